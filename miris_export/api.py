"""The Python API: `export(filepath, progress=None, cancel=None, **options)` returning the report."""
from .exporter import export as _export
from .options import ExportOptions


def export(filepath, context=None, progress=None, cancel=None, **options):
    """`progress(fraction)` may return False to stop; `cancel` is a callable or a threading.Event
    (see exporter.export). A stopped export raises exporter.Cancelled and writes nothing."""
    return _export(filepath, ExportOptions.from_kwargs(**options), context=context, progress=progress,
                   cancel=cancel)
