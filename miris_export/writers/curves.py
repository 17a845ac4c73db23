"""Curves objects (hair and other new-style curves) as UsdGeom.BasisCurves.

Catmull-Rom curves, Blender's default, stay cubic Catmull-Rom (pinned, so they
pass through their end points as in Blender); poly curves are linear. Bezier
and NURBS curves, which BasisCurves cannot carry as they are, become linear
curves through their control points, with a report line.
"""
import numpy as np
from pxr import Sdf, UsdGeom, Vt

from ..blender.attributes import read_array, read_attribute
from ..usd import specs
from ..usd.values import vt_array
from .base import Writer
from .points import write_points

_T = Sdf.ValueTypeNames

CATMULL_ROM, POLY = 0, 1


class CurvesWriter(Writer):
    prim_kind = "BasisCurves"

    @staticmethod
    def has_data(obj):
        return len(obj.data.points) > 0

    def define(self, path, ctx):
        specs.define_once(self.session.layer, path, self.prim_kind)  # by the hierarchy, as a rule

    def write(self, ctx, time):
        data = ctx.object.data
        n_curves, n_points = len(data.curves), len(data.points)
        offsets = read_array(data.curve_offset_data, "value", n_curves + 1, 1, np.int32)
        positions = read_attribute(data, "position", "vector", n_points, 3)
        radius = read_attribute(data, "radius", "value", n_points)
        types = read_attribute(data, "curve_type", "value", n_curves, 1, np.int8)
        cyclic = read_attribute(data, "cyclic", "value", n_curves, 1, bool)
        types = np.zeros(n_curves, np.int8) if types is None else types
        cubic = bool((types == CATMULL_ROM).all())
        if not cubic and not (types == POLY).all():
            self.session.report.warn(f"{ctx.name}: Bezier and NURBS curves exported as lines through their "
                                     "control points")
        periodic = cyclic is not None and bool(cyclic.all()) and n_curves > 0
        self.set(self.attribute("type", _T.Token, uniform=True),
                 UsdGeom.Tokens.cubic if cubic else UsdGeom.Tokens.linear, time)
        if cubic:
            self.set(self.attribute("basis", _T.Token, uniform=True), UsdGeom.Tokens.catmullRom, time)
        self.set(self.attribute("wrap", _T.Token, uniform=True), UsdGeom.Tokens.periodic if periodic else
                 (UsdGeom.Tokens.pinned if cubic else UsdGeom.Tokens.nonperiodic), time)
        self.set(self.attribute("curveVertexCounts", _T.IntArray),
                 vt_array(Vt.IntArray, np.diff(offsets).astype(np.int32)), time)
        write_points(self, positions, radius, time)
