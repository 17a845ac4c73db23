"""Frame chunks: how a range is split, and what a chunk file records about itself."""
from dataclasses import fields

# Options that do not change what is written for a frame; chunks may differ in them.
_PER_CHUNK = {"frame_start", "frame_end", "validate", "strict"}


def chunk_ranges(first, last, size):
    """(start, end) of each chunk of `size` frames covering first..last."""
    if size < 1:
        raise ValueError(f"the chunk size must be at least 1, not {size}")
    if last < first:
        raise ValueError(f"the frame range {first}-{last} is empty")
    return [(start, min(start + size - 1, last)) for start in range(first, last + 1, size)]


def options_key(options):
    """The options that must agree between chunks of one export, as one string."""
    return ";".join(f"{f.name}={getattr(options, f.name)!r}" for f in fields(options) if f.name not in _PER_CHUNK)


def chunk_metadata(frames, whole, options):
    """The `customLayerData["mirisChunk"]` of a chunk of frames `frames` out of the range `whole`."""
    return {
        "start": int(frames[0]),
        "end": int(frames[-1]),
        "first": int(whole[0]),
        "last": int(whole[1]),
        "leadIn": bool(frames[0] > whole[0]),
        "options": options_key(options),
    }
