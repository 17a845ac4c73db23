"""Miris USD exporter: Blender scenes as USD files the Miris streaming renderer accepts as they are.

Importing this package does not import `bpy`, so `miris_export.validate` runs
with `usd-core` alone. Blender calls `register()` when the extension is enabled.
"""
__version__ = "0.1.0"


def export(filepath, **options):
    """Exports the current scene to `filepath` (.usdc, .usda or .usdz) and returns an ExportReport.

    Keyword arguments are the fields of `miris_export.options.ExportOptions`, and `chunk_of`
    (first, last): write a chunk of that whole frame range, for `stitch`.
    """
    from .api import export as _export

    return _export(filepath, **options)


def stitch(filepath, chunks, validate=True):
    """Writes chunk files (see `export(chunk_of=...)`) as one file at `filepath`; returns an ExportReport.
    Needs only usd-core, not Blender."""
    from .api import stitch as _stitch

    return _stitch(filepath, chunks, validate=validate)


_ALIASED = ("hooks", "exporter")  # submodules whose objects (the hook registry, exceptions) must be one


def register():
    import sys
    from importlib import import_module

    from . import cli, ui

    ui.register()
    cli.register()
    # Installed as an extension the package is `bl_ext.<repo>.miris_export`; the
    # documented `import miris_export` should work in scripts all the same, and
    # `miris_export.hooks` (its registry) be the module the exporter calls.
    sys.modules.setdefault("miris_export", sys.modules[__name__])
    for name in _ALIASED:
        sys.modules.setdefault(f"miris_export.{name}", import_module(f".{name}", __name__))


def unregister():
    import sys

    from . import cli, ui

    cli.unregister()
    ui.unregister()
    if __name__ == "miris_export":
        return
    for name in ("", *(f".{n}" for n in _ALIASED)):
        alias = sys.modules.get(f"miris_export{name}")
        if alias is not None and alias is sys.modules.get(f"{__name__}{name}"):
            del sys.modules[f"miris_export{name}"]
