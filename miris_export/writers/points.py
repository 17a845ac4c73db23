"""Point clouds as UsdGeom.Points: positions and widths (twice Blender's radius)."""
from pxr import UsdGeom, Vt

from ..blender.attributes import read_attribute
from ..usd.values import vec3f, vt_array
from .base import Writer


class PointsWriter(Writer):
    prim_kind = "Points"

    @staticmethod
    def has_data(obj):
        return len(obj.data.points) > 0

    def define(self, path, ctx):
        self.points = UsdGeom.Points.Define(self.session.stage, path)

    def write(self, ctx, time):
        cloud = ctx.object.data
        n = len(cloud.points)
        positions = read_attribute(cloud, "position", "vector", n, 3)
        radius = read_attribute(cloud, "radius", "value", n)
        self.set(self.points.CreatePointsAttr(), vec3f(positions), time)
        self.set_extent(self.points.CreateExtentAttr(), positions, time, radius)
        if radius is not None:
            self.points.SetWidthsInterpolation(UsdGeom.Tokens.vertex)
            self.set(self.points.CreateWidthsAttr(), vt_array(Vt.FloatArray, radius * 2), time)
