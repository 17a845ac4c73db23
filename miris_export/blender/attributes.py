"""Bulk reads of Blender data into numpy arrays."""
import numpy as np


def read_array(collection, prop, count, width=1, dtype=np.float32):
    """`prop` of every item of `collection` through foreach_get, shaped (count, width) or (count,)."""
    out = np.empty(count * width, dtype)
    if count:
        collection.foreach_get(prop, out)
    return out.reshape(count, width) if width > 1 else out


def read_attribute(owner, name, prop, count, width=1, dtype=np.float32):
    """A named attribute of a mesh, point cloud or curves, or None when it has none."""
    attr = owner.attributes.get(name)
    return None if attr is None else read_array(attr.data, prop, count, width, dtype)
