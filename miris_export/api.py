"""The Python API: `export(filepath, **options)` returning the report."""
from .exporter import export as _export
from .options import ExportOptions


def export(filepath, context=None, **options):
    return _export(filepath, ExportOptions.from_kwargs(**options), context=context)
