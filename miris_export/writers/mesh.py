"""Meshes: points, faces, normals at their own domain, UV maps, display colour, extent.

Curves, text, surfaces and metaballs arrive here as the evaluated mesh the
depsgraph gives for them. On animated exports a mesh is read again each frame only as far as needed:
positions are compared first; same topology re-reads points and normals,
a topology change re-reads everything. A small mesh that moves has its points,
normals and extent gathered and written at the end (GATHER_VERTICES).
"""
import numpy as np
from pxr import Sdf, UsdGeom, Vt

from .. import materials
from ..blender.animation import shape_may_change
from ..blender.mesh_data import MeshReader, read_positions
from ..usd import specs
from ..usd.naming import RESERVED_PRIMVARS, identifier, uv_primvar_names
from ..usd.sparse import GatheredAttribute
from ..usd.values import vec3f, vt_array
from .base import Writer

# A mesh that moves over an animated export, up to this many vertices, has its shape gathered over
# the frames and written at the end (usd.sparse.GatheredAttribute), or once this many bytes are held.
GATHER_VERTICES = 20000
GATHER_BYTES = 16 << 20
_T = Sdf.ValueTypeNames


class MeshWriter(Writer):
    prim_kind = "Mesh"
    defines_in_batch = True

    @staticmethod
    def has_data(obj):
        return len(obj.data.polygons) > 0

    def define(self, path, ctx):
        # As specs, materials and binding included, in one change block: a stage open composes once.
        with Sdf.ChangeBlock():
            spec = specs.define(self.session.layer, path, self.prim_kind)
            specs.attribute(spec, "subdivisionScheme", _T.Token, UsdGeom.Tokens.none, uniform=True)
            specs.attribute(spec, "doubleSided", _T.Bool, materials.double_sided(ctx.object), uniform=True)
            # Texture coordinates the materials compute, written with the UV maps, under this object's name.
            self._coordinates = (ctx.name, materials.bind(self.session, path, ctx.object))
        self._topology = None  # (vertices, faces, corners) last written
        self._positions = None  # raw positions last read, to see whether the mesh moved
        self._faces = None  # MeshReader.faces last read, on an animated mesh: its shape is read again alone
        self._shape = None  # (points, extent) attributes, made at the first frame; then normals:
        self._normals = None  # (attribute, interpolation last set)
        self._gathered = None  # {attribute: GatheredAttribute} of the shape, when it is gathered
        self._spec = None  # the prim's spec while a mesh written once is written (see write)
        # An instance shows its source object's mesh (a new source is another instance), and what can
        # change it is that object's own; geometry components come from evaluation and are always compared.
        self._static = not ctx.is_component and not shape_may_change(ctx.object.original)

    def write(self, ctx, time):
        self.done = self._static  # written once, at the first frame: its values are defaults
        mesh = ctx.object.data
        topology = (len(mesh.vertices), len(mesh.polygons), len(mesh.loops))
        if topology == self._topology:
            positions = read_positions(mesh)
            if (positions == self._positions).all():  # one shape: as many vertices
                self._hold_all(time)
                return
            self._positions = positions
            self._write_shape(MeshReader(mesh, positions, self._faces), time)
            self._hold_topology(time)
            return
        first = self._topology is None
        # Written once (one frame evaluated, or nothing can change it): its values are defaults,
        # authored as specs, which cost less than the Usd calls.
        as_specs = first and not self.session.chunk and (self._static or not self.session.sampled)
        self._positions = read_positions(mesh) if self.session.animated and not as_specs else None
        reader = MeshReader(mesh, self._positions)
        self._faces = reader.faces if self._positions is not None else None
        self._topology = topology
        # Counted before the arrays are written, while little memory is held.
        loose = (reader.loose_edges, reader.loose_vertices) if first else (0, 0)
        self._spec = self.session.layer.GetPrimAtPath(self.path) if as_specs else None
        try:
            self._write_shape(reader, time)
            renamed = self._write_topology(reader, time)
        finally:
            self._spec = None
        for name, primvar in renamed if first else ():
            self.session.report.warn(f"{ctx.name}: UV map {name!r} is written as primvars:{primvar}, as USD "
                                     f"gives primvars:{identifier(name)} a meaning of its own")
        if any(loose):
            self.session.report.warn(
                f"{ctx.name}: dropped {loose[0]} loose edge(s) and {loose[1]} "
                "vertex(es) not used by any face (USD meshes hold faces only)"
            )

    # Each array is read, handed to USD and let go before the next, so a large mesh is not held twice.
    def _write_shape(self, reader, time):
        if self._shape is None:  # made once: a mesh that moves writes these at every frame
            self._shape = (self._attribute("points", _T.Point3fArray), self._attribute("extent", _T.Float3Array))
            if (self._spec is None and self.session.animated and not self.session.chunk and not self._static
                    and reader.vertex_count <= GATHER_VERTICES):
                self._gathered = {self._shape[0]: GatheredAttribute(self._shape[0], convert=vec3f),
                                  self._shape[1]: GatheredAttribute(self._shape[1], _extents)}
        points_attr, extent_attr = self._shape
        points = reader.points()
        self._set_vectors(points_attr, points, time)
        if self._gathered is not None and np.isfinite(points).all():  # worked out with the other frames'
            self._gathered[extent_attr].set_later(points, time)
        else:
            self.set_extent(extent_attr, points, time)
        del points
        # Per vertex only where written once: an interpolation is one for every sample.
        once = self._static or not self.session.animated
        normals = reader.normals(fewest=once) if self.session.options.normals else None
        if normals is not None:
            if self._normals is None:
                self._normals = (self._attribute("normals", _T.Normal3fArray), None)
                if self._gathered is not None:
                    self._gathered[self._normals[0]] = GatheredAttribute(self._normals[0], convert=vec3f)
            attr, interpolation = self._normals
            if normals[1] != interpolation:
                self._interpolate(attr, normals[1])
                self._normals = (attr, normals[1])
            self._set_vectors(attr, normals[0], time)
        if self._gathered and sum(g.size for g in self._gathered.values()) > GATHER_BYTES:
            self._flush()

    def _attribute(self, name, type_name, interpolation=None):
        """The spec of the mesh's attribute `name`: new while written once, else made on first use;
        `interpolation` is a primvar's."""
        attr = specs.attribute(self._spec, name, type_name) if self._spec is not None \
            else self.attribute(name, type_name)
        if interpolation is not None:
            self._interpolate(attr, interpolation)
        return attr

    @staticmethod
    def _interpolate(attr, interpolation):
        attr.SetInfo("interpolation", interpolation)

    def set(self, attr, value, time, same=None):
        if self._spec is not None:  # a mesh written once: its attributes are new specs, their values defaults
            attr.default = value
            return
        gathered = self._gathered.get(attr) if self._gathered else None
        if gathered is None:
            super().set(attr, value, time, same)
        else:
            gathered.set(value, time)

    def _set_vectors(self, attr, array, time):
        """Sets an (N, 3) array, kept as it is where gathered (made a USD value once written)."""
        gathered = self._gathered.get(attr) if self._gathered else None
        if gathered is None:
            self.set(attr, vec3f(array), time)
        else:
            gathered.set(array, time)  # read as float32 rows: vec3f takes them as they are

    def _flush(self):
        for gathered in (self._gathered or {}).values():
            gathered.flush()

    def finish(self):
        self._flush()
        super().finish()

    def _write_topology(self, reader, time):
        """Writes faces and primvars; returns the (UV map, primvar) of maps renamed off a reserved name."""
        options = self.session.options
        self.set(self._attribute("faceVertexCounts", _T.IntArray), vt_array(Vt.IntArray, reader.face_counts()), time)
        self.set(self._attribute("faceVertexIndices", _T.IntArray), vt_array(Vt.IntArray, reader.face_indices), time)
        maps = reader.uv_maps() if options.uvs else []
        names = uv_primvar_names(maps)
        renamed = [(name, primvar) for (name, active), primvar in zip(maps, names)
                   if not active and identifier(name) in RESERVED_PRIMVARS]
        for (name, _), primvar_name in zip(maps, names):
            uv = reader.uv(name)
            attr = self._attribute("primvars:" + primvar_name, _T.TexCoord2fArray, UsdGeom.Tokens.faceVarying)
            self.set(attr, vt_array(Vt.Vec2fArray, uv.values), time)
            if uv.indices is not None:
                self.set(self._attribute(f"primvars:{primvar_name}:indices", _T.IntArray),
                         vt_array(Vt.IntArray, uv.indices), time)
            del uv
        for name, values in materials.computed_coordinates(self.session, reader.mesh, *self._coordinates):
            attr = self._attribute("primvars:" + name, _T.TexCoord2fArray, UsdGeom.Tokens.faceVarying)
            self.set(attr, vt_array(Vt.Vec2fArray, values), time)
        colors = reader.colors() if options.colors else None
        if colors is not None:
            self.set(self._attribute("primvars:displayColor", _T.Color3fArray, colors[1]), vec3f(colors[0]), time)
        return renamed

    def _hold_topology(self, time):
        for name, sampler in self._sampled.items():
            if name not in _SHAPE_ATTRS:
                sampler.hold(time)

    def _hold_all(self, time):
        for sampler in self._sampled.values():
            sampler.hold(time)
        for gathered in (self._gathered or {}).values():
            gathered.hold(time)


_SHAPE_ATTRS = {"points", "extent", "normals"}


def _extents(points):
    """The extent of each of `points` ((N, 3) arrays of finite numbers) as usd.values.extent gives it,
    bit for bit (each column reduced on its own, so ties of 0 and -0 go the same way), for arrays of one
    shape at once: numpy's cost per call, not per frame."""
    extents = [None] * len(points)
    by_shape = {}
    for i, array in enumerate(points):
        by_shape.setdefault(array.shape, []).append(i)
    for shape, chosen in by_shape.items():
        if not shape[0]:
            for i in chosen:
                extents[i] = Vt.Vec3fArray(2)
            continue
        stack = np.stack([points[i] for i in chosen])
        bounds = np.empty((len(chosen), 2, 3), np.float32)
        for c in range(3):
            bounds[:, 0, c] = stack[:, :, c].min(axis=1)
            bounds[:, 1, c] = stack[:, :, c].max(axis=1)
        for i, value in zip(chosen, bounds):
            extents[i] = Vt.Vec3fArray.FromNumpy(value)
    return extents
