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


def register():
    import sys

    from . import cli, ui

    ui.register()
    cli.register()
    # Installed as an extension the package is `bl_ext.<repo>.miris_export`; the
    # documented `import miris_export` should work in scripts all the same.
    sys.modules.setdefault("miris_export", sys.modules[__name__])


def unregister():
    import sys

    from . import cli, ui

    cli.unregister()
    ui.unregister()
    if sys.modules.get("miris_export") is sys.modules[__name__] and __name__ != "miris_export":
        del sys.modules["miris_export"]
