"""Evaluated mesh data as numpy arrays, through the attribute API and `foreach_get`.

No Python loop here touches a vertex, face or corner: the per-element
collections are 10-100x slower than these bulk reads.
"""
from dataclasses import dataclass, field

import numpy as np

from .attributes import read_array
from .attributes import read_attribute

# Blender's normals domain -> USD interpolation
NORMAL_INTERPOLATION = {"POINT": "vertex", "FACE": "uniform", "CORNER": "faceVarying"}
COLOR_INTERPOLATION = {"POINT": "vertex", "CORNER": "faceVarying"}


@dataclass
class UVMap:
    name: str
    values: np.ndarray  # (K, 2) float32
    indices: np.ndarray | None  # (corners,) int32 into values, or None when values are per corner
    active_render: bool


@dataclass
class MeshData:
    points: np.ndarray  # (V, 3) float32, only vertices used by faces
    face_counts: np.ndarray  # (F,) int32
    face_indices: np.ndarray  # (C,) int32
    normals: np.ndarray | None = None  # (N, 3) float32 at `normals_interpolation`
    normals_interpolation: str = "faceVarying"
    uvs: list = field(default_factory=list)
    colors: np.ndarray | None = None  # (N, 3) float32, linear
    colors_interpolation: str = "vertex"
    material_indices: np.ndarray | None = None  # (F,) int32, None when every face uses slot 0
    loose_vertices: int = 0
    loose_edges: int = 0

    @property
    def empty(self):
        return len(self.face_counts) == 0


def read_positions(mesh):
    return read_array(mesh.attributes["position"].data, "vector", len(mesh.vertices), 3, np.float32)


def read_material_indices(mesh):
    """Each face's material slot, or None when every face uses slot 0."""
    material_index = read_attribute(mesh, "material_index", "value", len(mesh.polygons), 1, np.int32)
    return material_index if material_index is not None and material_index.any() else None


def read_mesh(mesh, normals=True, uvs=True, colors=True):
    """Everything the mesh writer needs from an evaluated mesh."""
    nv, nf, nc = len(mesh.vertices), len(mesh.polygons), len(mesh.loops)
    points = read_positions(mesh)
    counts = read_array(mesh.polygons, "loop_total", nf, 1, np.int32)
    corner_vert = _read_corner_vert(mesh, nc)
    data = MeshData(points=points, face_counts=counts, face_indices=corner_vert)

    if normals and nf:
        _read_normals(mesh, data)
    if uvs and nf:
        data.uvs = [_read_uv(mesh, uv, corner_vert, nv) for uv in mesh.uv_layers]
    if colors and nf:
        _read_colors(mesh, data)
    data.material_indices = read_material_indices(mesh)

    corner_edge = read_attribute(mesh, ".corner_edge", "value", nc, 1, np.int32)
    if corner_edge is not None and len(mesh.edges):
        data.loose_edges = int(len(mesh.edges) - np.count_nonzero(np.bincount(corner_edge, minlength=len(mesh.edges))))
    _drop_loose_vertices(data, nv)
    return data


def read_shape(mesh, positions, normals=True):
    """Points and normals of a mesh whose element counts are those last read by read_mesh.

    `positions` are what read_positions gave for this frame. What read_mesh
    reads besides is left out: face sizes (the slowest read of all, through
    the per-face API), material indices and loose edges, which the writer
    does not write again for such a mesh. `face_counts` is None.
    """
    nv, nc = len(mesh.vertices), len(mesh.loops)
    data = MeshData(points=positions, face_counts=None, face_indices=_read_corner_vert(mesh, nc))
    if normals and len(mesh.polygons):
        _read_normals(mesh, data)
    _drop_loose_vertices(data, nv)
    return data


def _read_corner_vert(mesh, nc):
    corner_vert = read_attribute(mesh, ".corner_vert", "value", nc, 1, np.int32)
    if corner_vert is None:  # older files may hide the internal attribute
        corner_vert = read_array(mesh.loops, "vertex_index", nc, 1, np.int32)
    return corner_vert


def _read_normals(mesh, data):
    domain = mesh.normals_domain
    source = {"POINT": mesh.vertex_normals, "FACE": mesh.polygon_normals, "CORNER": mesh.corner_normals}[domain]
    data.normals = read_array(source, "vector", len(source), 3, np.float32)
    data.normals_interpolation = NORMAL_INTERPOLATION[domain]


def _read_uv(mesh, uv, corner_vert, nv):
    nc = len(corner_vert)
    values = read_attribute(mesh, uv.name, "vector", nc, 2, np.float32)
    if values is None:
        values = read_array(uv.uv, "vector", nc, 2, np.float32)
    unique, indices = _deduplicate(values, corner_vert, nv)
    # Indexed costs 8 bytes a unique value plus 4 a corner, against 8 a corner.
    if len(unique) * 2 < nc:
        return UVMap(uv.name, unique, indices, uv.active_render)
    return UVMap(uv.name, values, None, uv.active_render)


def _deduplicate(values, corner_vert, nv):
    """Unique (K, 2) float32 rows, sorted, and the index of each row: what np.unique gives, faster.

    A row is one 64-bit word. Most corners of a vertex share its UV, so only one
    corner per vertex and the corners that differ from it (seams) are sorted,
    a fraction of all corners; they hold every distinct value, so the result is
    the same.
    """
    keys = np.ascontiguousarray(values).view(np.uint64).ravel()
    first = np.zeros(nv, np.int32)  # a corner of each vertex (unused vertices: corner 0, a real value)
    first[corner_vert] = np.arange(len(keys), dtype=np.int32)
    vertex_keys = keys[first]
    seams = np.flatnonzero(keys != vertex_keys[corner_vert])
    unique_keys, inverse = np.unique(np.concatenate([vertex_keys, keys[seams]]), return_inverse=True)
    inverse = inverse.astype(np.int32)
    indices = inverse[:nv][corner_vert]
    indices[seams] = inverse[nv:]
    return unique_keys.view(np.float32).reshape(-1, 2), indices


def _read_colors(mesh, data):
    attrs = mesh.color_attributes
    index = getattr(attrs, "render_color_index", -1)
    if not len(attrs) or index < 0 or index >= len(attrs):
        return
    attr = attrs[index]
    if attr.domain not in COLOR_INTERPOLATION:
        return
    rgba = read_array(attr.data, "color", len(attr.data), 4, np.float32)
    data.colors = np.ascontiguousarray(rgba[:, :3])
    data.colors_interpolation = COLOR_INTERPOLATION[attr.domain]


def _drop_loose_vertices(data, nv):
    """Removes vertices no face uses, renumbering corners and per-vertex arrays."""
    used = np.zeros(nv, bool)
    used[data.face_indices] = True
    n_used = int(np.count_nonzero(used))
    if n_used == nv:
        return
    data.loose_vertices = nv - n_used
    remap = np.cumsum(used, dtype=np.int32) - 1
    data.face_indices = remap[data.face_indices]
    data.points = data.points[used]
    if data.normals is not None and data.normals_interpolation == "vertex":
        data.normals = data.normals[used]
    if data.colors is not None and data.colors_interpolation == "vertex":
        data.colors = data.colors[used]
