"""One writer per kind of exported data. `DATA_WRITERS` maps a Blender object type to
the writer of its data prim; objects of other types are exported as Xforms when
they carry exported children, else skipped with a report line."""
from .mesh import MeshWriter

DATA_WRITERS = {
    "MESH": MeshWriter,
    # Converted through their evaluated mesh
    "CURVE": MeshWriter,
    "SURFACE": MeshWriter,
    "META": MeshWriter,
    "FONT": MeshWriter,
}

# Types with nothing of their own to write: an Xform when they carry children, silently.
TRANSFORM_ONLY = {"EMPTY", "ARMATURE"}
