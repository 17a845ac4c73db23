"""Miris USD exporter: Blender scenes as USD files the Miris streaming renderer accepts as they are.

Importing this package does not import `bpy`, so `miris_export.validate` runs
with `usd-core` alone. Blender calls `register()` when the extension is enabled.
"""
__version__ = "0.1.0"


def export(filepath, **options):
    """Exports the current scene to `filepath` (.usdc, .usda or .usdz) and returns an ExportReport.

    Keyword arguments are the fields of `miris_export.options.ExportOptions`.
    """
    from .api import export as _export

    return _export(filepath, **options)


def register():
    from . import ui, cli

    ui.register()
    cli.register()


def unregister():
    from . import ui, cli

    cli.unregister()
    ui.unregister()
