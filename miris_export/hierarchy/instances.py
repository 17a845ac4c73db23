"""Which copies share one prototype: the identity of a piece of evaluated geometry with its materials.

Format-agnostic, like the iterator. Two copies share a prototype when they show
the same evaluated geometry with the same materials (object-linked slots as
Blender renders them):

- Instances (collections, particles, geometry nodes, vertex and face
  instancing): the depsgraph hands all instances of one source the same
  evaluated data within a frame, so its pointer is the identity there. Pointers
  are reused across frames, so the key that lasts is the data's name, the
  materials and the rank of that pointer among those of the same name and
  materials in the frame (geometry nodes name many meshes alike, "Mesh").
- Real objects (linked duplicates): several objects met together whose
  evaluated data is one and the same; or, when modifiers made each its own,
  whose evaluated geometry is identical, compared by a digest of its arrays.
"""
import hashlib

import numpy as np

from ..blender.attributes import read_attribute
from ..blender.mesh_data import read_positions, read_uv


def materials_of(obj):
    """The materials an object renders with, slot by slot (object-linked slots honoured)."""
    return tuple("" if slot.material is None else slot.material.original.name_full for slot in obj.material_slots)


class InstanceKeys:
    """Prototype keys of instances, stable across frames; `new_frame` before each frame's instances."""

    def __init__(self):
        self._frame = {}  # (data pointer, materials) -> key, this frame
        self._ranks = {}  # (type, data name, materials) -> distinct pointers met this frame

    def new_frame(self):
        self._frame.clear()
        self._ranks.clear()

    def key(self, obj):
        materials = materials_of(obj)
        seen = (obj.data.as_pointer(), materials)
        key = self._frame.get(seen)
        if key is None:
            base = (obj.type, obj.data.name, materials)
            rank = self._ranks[base] = self._ranks.get(base, -1) + 1
            key = self._frame[seen] = ("INSTANCE",) + base + (rank,)
        return key


def shared_real_objects(objects):
    """{index: key} for the real mesh objects (evaluated, met together) that share their evaluated
    geometry and materials with another of them; the key names the first of each group."""
    groups = {}
    for i, obj in enumerate(objects):
        groups.setdefault((obj.data.as_pointer(), materials_of(obj)), []).append(i)
    # Objects with their own evaluated data (modifiers) whose mesh data-block has other users:
    # compared by content.
    alone = [members[0] for members in groups.values() if len(members) == 1]
    for i in alone:
        obj = objects[i]
        if obj.original.data is not None and obj.original.data.users > 1:
            groups.pop((obj.data.as_pointer(), materials_of(obj)))
            groups.setdefault((geometry_digest(obj.data), materials_of(obj)), []).append(i)
    keys = {}
    for (identity, _), members in groups.items():
        if len(members) > 1:
            first = objects[members[0]]
            kind = "SHARED_CONTENT" if isinstance(identity, str) else "SHARED"  # a digest, or a pointer
            key = (kind, first.original.name_full, first.data.name)
            keys.update((i, key) for i in members)
    return keys


def geometry_digest(mesh):
    """A digest of what the mesh writer reads from an evaluated mesh: positions, faces, material
    indices, UV maps, sharp faces and custom normals."""
    digest = hashlib.blake2b(digest_size=16)
    nc, nf = len(mesh.loops), len(mesh.polygons)
    digest.update(np.array([len(mesh.vertices), nf, nc], np.int64).tobytes())
    digest.update(read_positions(mesh).tobytes())
    for name, count, dtype in ((".corner_vert", nc, np.int32), ("material_index", nf, np.int32),
                               ("sharp_face", nf, bool)):
        values = read_attribute(mesh, name, "value", count, 1, dtype)
        digest.update(b"-" if values is None else values.tobytes())
    for uv in mesh.uv_layers:
        digest.update(uv.name.encode() + read_uv(uv, nc).tobytes())
    if mesh.has_custom_normals:
        normals = np.empty(nc * 3, np.float32)
        mesh.corner_normals.foreach_get("vector", normals)
        digest.update(normals.tobytes())
    return digest.hexdigest()
