"""Blender cameras as UsdGeom Camera prims, a child of the object's Xform.

Blender's cameras look down their local -Z with +Y up, as USD's do, so the
object's transform orients them unchanged. Focal length and apertures are in
millimetres as in the specification's appendix (see `cameras.film` for sensor
fit, aspect ratio and lens shift); clipping and focus distances are in the
camera's own units, which the transforms above it bring to metres.

The scene's camera is named on the default prim as `customData:defaultCamera`
(the prim path of its Camera prim), by `SceneCameraWriter`.
"""
import numpy as np
from pxr import Gf, Sdf, UsdGeom

from ..blender.animation import linked_may_change
from ..cameras.film import camera_film
from ..usd import specs
from ..usd.stage import ROOT
from .base import Writer

_CAMERAS = "cameras"  # session.cache key: Blender object name -> path of its Camera prim
_T = Sdf.ValueTypeNames


def focus_distance(camera_object, dof):
    """Blender's focus distance: to the focus object along the view axis when there is one."""
    target = dof.focus_object
    if target is None:
        return float(dof.focus_distance)
    matrix = np.array(camera_object.matrix_world, np.float64)
    view = matrix[:3, 2] / (np.linalg.norm(matrix[:3, 2]) or 1.0)
    offset = matrix[:3, 3] - np.array(target.matrix_world, np.float64)[:3, 3]
    return float(max(abs(view @ offset), 1e-5))


class CameraWriter(Writer):
    prim_kind = "Camera"
    defines_in_batch = True

    def define(self, path, ctx):
        specs.define_once(self.session.layer, path, self.prim_kind)  # by the hierarchy, as a rule
        self.session.cache.setdefault(_CAMERAS, {}).setdefault(ctx.object.original.name_full, path)
        # Written once, at the first frame, where nothing can change its values: they are defaults.
        dof = ctx.object.data.dof
        self._static = not self.session.sampled or not (
            ctx.is_instance or (dof.use_dof and dof.focus_object is not None)
            or linked_may_change(ctx.object.original, "data", self.session.view_layer.id_data))
        if ctx.object.data.type == "PANO":
            self.session.report.warn(f"{ctx.name}: panoramic camera written as a perspective camera "
                                     "(USD cameras have no panoramic projection)")

    def write(self, ctx, time):
        self.done = self._static
        data = ctx.object.data
        render = self.session.view_layer.id_data.render  # the view layer's scene
        film = camera_film(data, render)
        ortho = data.type == "ORTHO"
        projection = UsdGeom.Tokens.orthographic if ortho else UsdGeom.Tokens.perspective
        self.set_named("projection", _T.Token, projection, time)
        self.set_named("focalLength", _T.Float, float(data.lens), time)
        self.set_named("horizontalAperture", _T.Float, film.horizontal_aperture, time)
        self.set_named("verticalAperture", _T.Float, film.vertical_aperture, time)
        self.set_named("horizontalApertureOffset", _T.Float, film.horizontal_offset, time)
        self.set_named("verticalApertureOffset", _T.Float, film.vertical_offset, time)
        self.set_named("clippingRange", _T.Float2, (data.clip_start, data.clip_end), time, make=Gf.Vec2f)
        dof = data.dof
        # fStop 0 is USD's "no depth of field"
        self.set_named("fStop", _T.Float, float(dof.aperture_fstop) if dof.use_dof and not ortho else 0.0, time)
        if dof.use_dof:
            self.set_named("focusDistance", _T.Float, focus_distance(ctx.object, dof), time)


class SceneCameraWriter:
    """Names the scene's camera (at the first exported frame) as the default camera."""

    def __init__(self, session, scene):
        self.session = session
        self.camera = None
        self.done = False

    def write(self, scene, depsgraph, frame):
        if scene.camera is not None:
            self.camera = scene.camera.name_full
        # A scene without a camera at its first frame has none later: camera markers switch it to the
        # first marker's camera from the first frame on.
        self.done = True

    def finish(self):
        path = self.session.cache.get(_CAMERAS, {}).get(self.camera)
        if path is not None:
            # Into the layer's spec, as SetCustomDataByKey writes it, without the Usd calls.
            spec = self.session.layer.GetPrimAtPath(ROOT)
            spec.SetInfoDictionaryValue("customData", "defaultCamera", str(path))
