"""Evaluated mesh data as numpy arrays, through the attribute API and `foreach_get`.

No Python loop here touches a vertex, face or corner: the per-element
collections are 10-100x slower than these bulk reads.
"""
from dataclasses import dataclass

import numpy as np

from .attributes import read_array
from .attributes import read_attribute

# Blender's normals domain -> USD interpolation
NORMAL_INTERPOLATION = {"POINT": "vertex", "FACE": "uniform", "CORNER": "faceVarying"}
_NORMALS = {"POINT": "vertex_normals", "FACE": "polygon_normals", "CORNER": "corner_normals"}  # by domain
COLOR_INTERPOLATION = {"POINT": "vertex", "CORNER": "faceVarying"}
CHUNK = 250000  # corners compared at a time


@dataclass
class UVMap:
    name: str
    values: np.ndarray  # (K, 2) float32
    indices: np.ndarray | None  # (corners,) int32 into values, or None when values are per corner
    active_render: bool


class MeshReader:
    """Reads an evaluated mesh's arrays one at a time, so each can be handed to USD and let go
    before the next is read: a large mesh is then never held whole twice over.

    Vertices no face uses (loose vertices, and those of loose edges) are left out of every
    per-vertex array, and the corner indices renumbered to match.
    """

    def __init__(self, mesh, positions=None, faces=None):
        """`faces`: the `faces` of a reader of this mesh at a frame where it had as many vertices, faces
        and corners, taken as the same: its corners are not read again."""
        self.mesh = mesh
        self._positions = positions  # already read by the caller, or None
        # (corner vertices (C,) int32, mask of the vertices kept or None when all are, loose vertices,
        # one corner of each vertex kept (V,) int32)
        self.faces = _read_faces(mesh) if faces is None else faces
        self.face_indices, self.used, self.loose_vertices, self.corner_of_vertex = self.faces
        self.vertex_count = len(mesh.vertices) - self.loose_vertices

    @property
    def loose_edges(self):
        return _count_loose_edges(self.mesh, len(self.face_indices))

    def _per_vertex(self, array):
        return array if self.used is None else array[self.used]

    def points(self):
        """(V, 3) float32."""
        positions = read_positions(self.mesh) if self._positions is None else self._positions
        self._positions = None
        return self._per_vertex(positions)

    def face_counts(self):
        """(F,) int32: the corners of each face."""
        return face_sizes(self.mesh, len(self.face_indices))

    def normals(self, fewest):
        """((N, 3) float32, USD interpolation) at the mesh's own normals domain, or None without faces.
        With `fewest`, corner normals that are one per vertex (custom normals set by vertex, say)
        are written per vertex: the same normals, a quarter of the data on a quad mesh."""
        mesh = self.mesh
        if not len(mesh.polygons):
            return None
        domain = mesh.normals_domain
        source = getattr(mesh, _NORMALS[domain])
        normals = read_array(source, "vector", len(source), 3, np.float32)
        if domain == "CORNER" and fewest:
            per_vertex = _one_per_vertex(normals, self.face_indices, self.corner_of_vertex)
            if per_vertex is not None:
                return per_vertex, NORMAL_INTERPOLATION["POINT"]
        return (self._per_vertex(normals) if domain == "POINT" else normals), NORMAL_INTERPOLATION[domain]

    def uv_maps(self):
        """(name, active render) of each UV map."""
        return [(uv.name, uv.active_render) for uv in self.mesh.uv_layers]

    def uv(self, name):
        """The UV map `name` as a UVMap, indexed when that is smaller."""
        uv = self.mesh.uv_layers[name]
        nc = len(self.face_indices)
        values = read_uv(uv, nc)
        # By vertex: one entry per vertex, from one of its corners, plus one per corner that differs
        # from its vertex's (a seam). No sorting, unlike np.unique: most corners of a vertex share
        # its UV, so the table is about a vertex long.
        keys = values.view(np.uint64).ravel()  # a (u, v) pair as one word
        vertex_keys = np.take(keys, self.corner_of_vertex)
        seams = _differing(keys, vertex_keys, self.face_indices)
        # Indexed costs 8 bytes a table entry plus 4 a corner, against 8 a corner: it pays while the
        # table is under half the corners.
        if (self.vertex_count + len(seams)) * 2 >= nc:
            # Seams everywhere: a map of few values (a square a face, say) still indexes by value.
            table, indices = _index_by_value(values)
        else:
            table = np.concatenate([vertex_keys, keys[seams]]).view(np.float32).reshape(-1, 2)
            del values, keys, vertex_keys  # let go before the indices are made: the map is not held twice
            indices = self.face_indices.copy()
            indices[seams] = self.vertex_count + np.arange(len(seams), dtype=np.int32)
        return UVMap(name, table, indices, uv.active_render)

    def colors(self):
        """((N, 3) float32 linear, USD interpolation) of the active render colour attribute, or None."""
        attrs = self.mesh.color_attributes
        index = attrs.render_color_index  # colour attributes are on points or corners only
        if not 0 <= index < len(attrs):  # none, or none chosen for renders
            return None
        attr = attrs[index]
        rgb = np.ascontiguousarray(read_array(attr.data, "color", len(attr.data), 4, np.float32)[:, :3])
        return (self._per_vertex(rgb) if attr.domain == "POINT" else rgb), COLOR_INTERPOLATION[attr.domain]


def read_positions(mesh):
    """(V, 3) float32 positions of all vertices, loose ones included: cheap, to see whether a mesh moved."""
    return read_array(mesh.attributes["position"].data, "vector", len(mesh.vertices), 3, np.float32)


def read_uv(layer, count):
    """(C, 2) float32 of a UV map, read through the map (the attribute's data would first copy
    the values the evaluated mesh shares with the original)."""
    return read_array(layer.uv, "vector", count, 2, np.float32)


def face_sizes(mesh, corners):
    """(F,) int32: the corners of each face of `mesh` (`corners` in all), two more than its
    triangles. Blender gives the face of each triangle as one array (worked out from the faces'
    offsets, not by triangulating), where the faces' own corner starts or counts come item by item,
    ten times slower."""
    faces = len(mesh.polygons)
    if corners == 3 * faces:  # a face has at least three corners: all are triangles
        return np.full(faces, 3, np.int32)
    tris = mesh.loop_triangle_polygons
    counts = np.bincount(read_array(tris, "value", len(tris), 1, np.int32), minlength=faces)
    return (counts + 2).astype(np.int32)


def read_material_indices(mesh):
    """Each face's material slot, or None when every face uses slot 0."""
    material_index = read_attribute(mesh, "material_index", "value", len(mesh.polygons), 1, np.int32)
    return material_index if material_index is not None and material_index.any() else None


def _count_loose_edges(mesh, nc):
    corner_edge = read_attribute(mesh, ".corner_edge", "value", nc, 1, np.int32)  # every mesh has it (3.6+)
    used = np.zeros(len(mesh.edges), bool)
    used[corner_edge] = True
    return int(len(mesh.edges) - np.count_nonzero(used))


def _read_faces(mesh):
    """MeshReader.faces: the corners' vertices, renumbered past the vertices no face uses, and one
    corner of each vertex kept."""
    nv, nc = len(mesh.vertices), len(mesh.loops)
    corner_vert = read_attribute(mesh, ".corner_vert", "value", nc, 1, np.int32)  # every mesh has it (3.6+)
    # One pass over the corners says both which vertices faces use and a corner of each.
    corner_of_vertex = np.full(nv, -1, np.int32)
    corner_of_vertex[corner_vert] = np.arange(nc, dtype=np.int32)
    used = corner_of_vertex >= 0
    loose = nv - int(np.count_nonzero(used))
    if not loose:
        return corner_vert, None, 0, corner_of_vertex
    return (np.cumsum(used, dtype=np.int32) - 1)[corner_vert], used, loose, corner_of_vertex[used]


def _differing(keys, vertex_keys, corner_vert):
    """The corners whose key differs from their vertex's."""
    return np.concatenate([np.zeros(0, np.intp), *(  # a chunk at a time: no second corner-sized array
        start + np.flatnonzero(keys[start:start + CHUNK] != np.take(vertex_keys, corner_vert[start:start + CHUNK]))
        for start in range(0, len(keys), CHUNK))])


def _one_per_vertex(values, corner_vert, corner_of_vertex):
    """(V, K) `values` per vertex when every corner of each vertex has its vertex's value exactly,
    else None."""
    # np.take gathers rows several times quicker than indexing with an array.
    table = np.take(values, corner_of_vertex, axis=0)
    for start in range(0, len(corner_vert), CHUNK):  # a chunk at a time: no second corner-sized array
        if not np.array_equal(values[start:start + CHUNK], np.take(table, corner_vert[start:start + CHUNK], axis=0)):
            return None
    return table


def _index_by_value(values, sample=4096):
    """(table, indices) of the distinct values, sorted, when they are under half the corners;
    else (values, None). The first `sample` corners are looked at first: when they are mostly
    distinct, sorting them all would not pay."""
    keys = np.ascontiguousarray(values).view(np.uint64).ravel()  # a (u, v) pair as one word
    if len(np.unique(keys[:sample])) * 2 >= min(len(keys), sample):
        return values, None
    table, indices = np.unique(keys, return_inverse=True)
    if len(table) * 2 >= len(keys):
        return values, None
    return table.view(np.float32).reshape(len(table), 2), indices.astype(np.int32).ravel()
