"""The Python API: `export(filepath, **options)` returning the report; `stitch(filepath, chunks)`."""
from .exporter import export as _export
from .options import ExportOptions


def export(filepath, context=None, chunk_of=None, **options):
    return _export(filepath, ExportOptions.from_kwargs(**options), context=context, chunk_of=chunk_of)


def stitch(filepath, chunks, validate=True):
    from .farm.stitch import stitch as _stitch

    return _stitch(filepath, chunks, validate=validate)
