"""Point clouds as UsdGeom.Points: positions and widths (twice Blender's radius)."""
from pxr import Sdf, UsdGeom, Vt

from ..blender.attributes import read_attribute
from ..usd import specs
from ..usd.values import vec3f, vt_array
from .base import Writer

_T = Sdf.ValueTypeNames


class PointsWriter(Writer):
    prim_kind = "Points"

    @staticmethod
    def has_data(obj):
        return len(obj.data.points) > 0

    def define(self, path, ctx):
        specs.define_once(self.session.layer, path, self.prim_kind)  # by the hierarchy, as a rule

    def write(self, ctx, time):
        cloud = ctx.object.data
        n = len(cloud.points)
        positions = read_attribute(cloud, "position", "vector", n, 3)
        write_points(self, positions, read_attribute(cloud, "radius", "value", n), time)


def write_points(writer, positions, radius, time):
    """A point-based prim's points, extent and widths per point (twice `radius`, when there is one),
    as UsdGeom's schema attributes."""
    writer.set(writer.attribute("points", _T.Point3fArray), vec3f(positions), time)
    writer.set_extent(writer.attribute("extent", _T.Float3Array), positions, time, radius)
    if radius is not None:
        widths = writer.attribute("widths", _T.FloatArray)
        widths.SetInfo("interpolation", UsdGeom.Tokens.vertex)
        writer.set(widths, vt_array(Vt.FloatArray, radius * 2), time)
