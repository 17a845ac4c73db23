"""Blender lights as UsdLux lights, a child of the object's Xform.

Sun -> DistantLight, point -> SphereLight (a point when its radius is 0),
spot -> SphereLight with ShapingAPI, area -> RectLight (a disk or ellipse as
the rectangle of equal area). Blender's lights shine down their local -Z, as
UsdLux's do, so the object's transform orients them unchanged. Intensity goes
through `lights.units.light_intensity`; colour, intensity, exposure, sizes and
cone are written every frame through the sparse writer.
"""
import math

from pxr import Gf, Sdf, UsdLux, Vt

from ..blender.animation import linked_may_change
from ..lights import units
from ..usd import specs
from .base import Writer

LIGHT_SCHEMAS = {units.SUN: UsdLux.DistantLight, units.POINT: UsdLux.SphereLight,
                 units.SPOT: UsdLux.SphereLight, units.AREA: UsdLux.RectLight}
# Every kind of light prim the exporter writes, as the report counts them.
LIGHT_KINDS = ("DistantLight", "SphereLight", "RectLight", "DomeLight")
_T = Sdf.ValueTypeNames


def light_color(light):
    """Light colour times its blackbody colour when Blender uses a temperature (Blender 5.x), as
    (r, g, b) floats."""
    r, g, b = light.color
    if getattr(light, "use_temperature", False):
        tint = light.temperature_color
        return r * tint[0], g * tint[1], b * tint[2]
    return r, g, b


class LightWriter(Writer):
    defines_in_batch = True

    @staticmethod
    def has_data(obj):
        return obj.data is not None and obj.data.type in LIGHT_SCHEMAS

    @classmethod
    def type_for(cls, obj):
        return LIGHT_SCHEMAS[obj.data.type].__name__

    def define(self, path, ctx):
        light = ctx.object.data
        self.kind = light.type
        schema = LIGHT_SCHEMAS[self.kind]
        self.prim_kind = schema.__name__
        with Sdf.ChangeBlock():  # a stage open on the layer composes the light once
            spec = specs.define(self.session.layer, path, self.prim_kind)
            # See lights.units: intensity is then free of the light's size.
            specs.attribute(spec, "inputs:normalize", _T.Bool, True)
            if self.kind == units.SPOT:
                specs.apply_schema(spec, "ShapingAPI")
        # Written once, at the first frame, where nothing can change its values: they are defaults.
        self._static = not self.session.sampled or not (ctx.is_instance
                                                         or linked_may_change(ctx.object.original, "data"))
        report = self.session.report
        if self.kind == units.SPOT:
            report.info(f"{ctx.name}: spot light written as a SphereLight with a ShapingAPI cone")
        elif self.kind == units.AREA and light.shape in ("DISK", "ELLIPSE"):
            report.warn(f"{ctx.name}: {light.shape.lower()} area light written as the RectLight of equal area "
                        "(UsdLux DiskLight is outside the Miris specification)")
        if self.kind == units.AREA and light.spread < math.pi - 1e-5:
            report.warn(f"{ctx.name}: the area light's spread is not exported (UsdLux has no equivalent)")

    def write(self, ctx, time):
        self.done = self._static
        light = ctx.object.data
        size = self._write_shape(light, time)
        intensity = units.light_intensity(self.kind, light.energy, getattr(light, "normalize", True), size)
        self.set_named("inputs:intensity", _T.Float, intensity, time)
        self.set_named("inputs:exposure", _T.Float, float(getattr(light, "exposure", 0.0)), time)
        self.set_named("inputs:color", _T.Color3f, light_color(light), time, make=Gf.Vec3f)

    def _write_shape(self, light, time):
        """Writes the light's size and cone; returns its emitting area for `light_intensity`."""
        if self.kind == units.SUN:
            self.set_named("inputs:angle", _T.Float, units.sun_angle(light.angle), time)
            return 0.0
        if self.kind == units.AREA:
            width, height = units.rect_of_equal_area(light.shape, light.size, light.size_y)
            self.set_named("inputs:width", _T.Float, width, time)
            self.set_named("inputs:height", _T.Float, height, time)
            self.set_named("extent", _T.Float3Array, (width, height), time, make=_rect_extent)
            return units.rect_area(width, height)
        radius = float(light.shadow_soft_size)
        self.set_named("inputs:radius", _T.Float, radius, time)
        self.set_named("treatAsPoint", _T.Bool, radius == 0.0, time)
        self.set_named("extent", _T.Float3Array, radius, time, make=_sphere_extent)
        if self.kind == units.SPOT:
            angle, softness = units.spot_cone(light.spot_size, light.spot_blend)
            self.set_named("inputs:shaping:cone:angle", _T.Float, angle, time)
            self.set_named("inputs:shaping:cone:softness", _T.Float, softness, time)
        return units.sphere_area(radius)


def _extent(lo, hi):
    return Vt.Vec3fArray([Gf.Vec3f(*lo), Gf.Vec3f(*hi)])


def _sphere_extent(radius):
    return _extent((0.0 - radius,) * 3, (radius,) * 3)  # 0.0 - r: no -0


def _rect_extent(size):
    width, height = size
    return _extent((0.0 - width / 2, 0.0 - height / 2, 0.0), (width / 2, height / 2, 0.0))
