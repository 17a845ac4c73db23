"""Meshes: points, faces, normals at their own domain, UV maps, display colour, extent.

Curves, text, surfaces and metaballs arrive here as the evaluated mesh the
depsgraph gives for them. On animated exports a mesh is read again each frame only as far as needed:
positions are compared first; same topology re-reads points and normals,
a topology change re-reads everything.
"""
import numpy as np
from pxr import Gf, Sdf, UsdGeom, Vt

from .. import materials
from ..blender.animation import shape_may_change
from ..blender.mesh_data import read_mesh, read_positions, read_shape
from ..usd.naming import uv_primvar_names
from ..usd.values import extent, vec3f
from .base import Writer

class MeshWriter(Writer):
    prim_kind = "Mesh"

    @staticmethod
    def has_data(obj):
        return len(obj.data.polygons) > 0

    def define(self, stage, path, ctx):
        self.mesh = UsdGeom.Mesh.Define(stage, path)
        self.mesh.CreateSubdivisionSchemeAttr(UsdGeom.Tokens.none)
        self.mesh.CreateDoubleSidedAttr(materials.double_sided(ctx.object))
        materials.bind(self.session, self.mesh, ctx.object)
        self._topology = None  # (vertices, faces, corners) last written
        self._positions = None  # raw positions last read, to see whether the mesh moved
        # Instances and geometry components come from evaluation and are always compared.
        self._static = not ctx.is_instance and not shape_may_change(ctx.object.original)
        return self.mesh.GetPrim()

    def write(self, ctx, time):
        self.done = self._static  # written once, at the first frame: its values are defaults
        opts = self.session.options
        mesh = ctx.object.data
        topology = (len(mesh.vertices), len(mesh.polygons), len(mesh.loops))
        if topology == self._topology:
            positions = read_positions(mesh)
            if np.array_equal(positions, self._positions):
                self._hold_all(time)
                return
            data = read_shape(mesh, positions, normals=opts.normals)
            self._positions = positions
            self._write_shape(data, time)
            self._hold_topology(time)
            return
        data = read_mesh(mesh, normals=opts.normals, uvs=opts.uvs, colors=opts.colors)
        self._positions = read_positions(mesh) if self.session.animated else None
        first = self._topology is None
        self._topology = topology
        self._write_shape(data, time)
        self._write_topology(data, time)
        if first and (data.loose_vertices or data.loose_edges):
            self.session.report.warn(
                f"{ctx.name}: dropped {data.loose_edges} loose edge(s) and {data.loose_vertices} "
                "vertex(es) not used by any face (USD meshes hold faces only)"
            )

    def _write_shape(self, data, time):
        self.set(self.mesh.CreatePointsAttr(), vec3f(data.points), time)
        self.set(self.mesh.CreateExtentAttr(), extent(data.points), time)
        if data.normals is not None:
            attr = self.mesh.CreateNormalsAttr()
            self.mesh.SetNormalsInterpolation(data.normals_interpolation)
            self.set(attr, vec3f(data.normals), time)

    def _write_topology(self, data, time):
        self.set(self.mesh.CreateFaceVertexCountsAttr(), Vt.IntArray.FromNumpy(data.face_counts), time)
        self.set(self.mesh.CreateFaceVertexIndicesAttr(), Vt.IntArray.FromNumpy(data.face_indices), time)
        primvars = UsdGeom.PrimvarsAPI(self.mesh)
        for uv, name in zip(data.uvs, uv_primvar_names([(u.name, u.active_render) for u in data.uvs])):
            interpolation = UsdGeom.Tokens.faceVarying
            pv = primvars.CreatePrimvar(name, Sdf.ValueTypeNames.TexCoord2fArray, interpolation)
            self.set(pv.GetAttr(), Vt.Vec2fArray.FromNumpy(np.ascontiguousarray(uv.values)), time)
            if uv.indices is not None:
                self.set(pv.CreateIndicesAttr(), Vt.IntArray.FromNumpy(uv.indices), time)
        if data.colors is not None:
            pv = self.mesh.CreateDisplayColorPrimvar(data.colors_interpolation)
            self.set(pv.GetAttr(), vec3f(data.colors), time)

    def _hold_topology(self, time):
        for name, sampler in self._sampled.items():
            if name not in _SHAPE_ATTRS:
                sampler.hold(time)

    def _hold_all(self, time):
        for sampler in self._sampled.values():
            sampler.hold(time)


_SHAPE_ATTRS = {"points", "extent", "normals"}
