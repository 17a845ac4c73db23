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


def names_may_collide(scene, view_layer):
    """Whether two objects (or materials, or texture files) could be met on one USD name, where the
    name each gets depends on which was met first: a chunk must then meet them in the order a single
    export does, from the first frame of the whole range."""
    from ..usd.naming import identifier
    from ..usd.textures import _stem

    objects = [identifier(obj.name) for obj in view_layer.objects]
    if scene.world is not None:
        objects.append(identifier(scene.world.name))
    import bpy

    materials = [identifier(m.name) for m in bpy.data.materials]
    images = [_stem(image).lower() for image in bpy.data.images]
    return any(len(set(names)) < len(names) for names in (objects, materials, images))


def lead_in(frames, whole, scene, view_layer):
    """The frames a chunk evaluates before its own, written only to be dropped by the stitch: the
    frame before it, so each change between two frames is judged where both are known; all frames
    from the start of the whole range when names may collide (names_may_collide)."""
    start = frames[0]
    if start <= whole[0]:
        return []
    if names_may_collide(scene, view_layer):
        return list(range(whole[0], start))
    return [start - 1]


def chunk_metadata(frames, whole, options):
    """The `customLayerData["mirisChunk"]` of a chunk of frames `frames` out of the range `whole`."""
    return {
        "start": int(frames[0]),
        "end": int(frames[-1]),
        "first": int(whole[0]),
        "last": int(whole[1]),
        "options": options_key(options),
    }
