"""The Python API: `export(filepath, progress=None, cancel=None, **options)` returning the report;
`stitch(filepath, chunks)`."""
from .exporter import export as _export
from .options import ExportOptions


def export(filepath, context=None, progress=None, cancel=None, chunk_of=None, **options):
    """`progress(fraction)` may return False to stop; `cancel` is a callable or a threading.Event
    (see exporter.export). A stopped export raises exporter.Cancelled and writes nothing. `chunk_of`
    (first, last): write a chunk of that whole range, for `stitch`."""
    return _export(filepath, ExportOptions.from_kwargs(**options), context=context, progress=progress,
                   cancel=cancel, chunk_of=chunk_of)


def stitch(filepath, chunks, validate=True):
    from .farm.stitch import stitch as _stitch

    return _stitch(filepath, chunks, validate=validate)
