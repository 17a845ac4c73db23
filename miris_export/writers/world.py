"""The World as a DomeLight under /Root, and the default light a scene without any light gets.

An environment texture becomes a DomeLight whose image is copied to
./Textures/ (relative path), with the Background's strength as intensity and
the Mapping node's rotation in the light's transform; a plain colour becomes a
DomeLight of that colour; a black or missing World writes nothing.

Orientation: Blender's equirectangular maps put the image centre at +X with
+Z up; a UsdLux DomeLight (OpenEXR latitude-longitude convention) puts it at
+Z with +Y up. After the Z-up to Y-up change, turning the dome by +90 degrees
about Y lines the two up.
"""
import numpy as np
from pxr import Gf, Sdf, UsdLux, Vt

from ..blender.animation import linked_may_change
from ..lights.world import NOT_TURNED, read_world
from ..usd import specs
from ..usd.stage import ROOT, Z_UP_TO_Y_UP
from ..usd.textures import write_texture
from ..usd.values import gf_matrix, matrices_close
from .base import Writer
from .light import LIGHT_KINDS

# The dome's own turn (see above)
_DOME_TURN = np.array([[0, 0, 1], [0, 1, 0], [-1, 0, 0]], np.float64)  # +90 degrees about Y
_FORMATS = {"EQUIRECTANGULAR": UsdLux.Tokens.latlong, "MIRROR_BALL": UsdLux.Tokens.mirroredBall}
_T = Sdf.ValueTypeNames
_TRANSFORM = "xformOp:transform"


def dome_rotation(lookup_rotation):
    """The DomeLight's rotation (3x3, column vectors, USD world) for a Blender environment whose
    lookup direction is turned by `lookup_rotation` (Blender world): the image turns the other way."""
    return Z_UP_TO_Y_UP @ np.asarray(lookup_rotation).T @ Z_UP_TO_Y_UP.T @ _DOME_TURN


def _matrix4(rotation):
    matrix = np.eye(4)
    matrix[:3, :3] = rotation
    return gf_matrix(matrix)


_UNTURNED = _matrix4(dome_rotation(NOT_TURNED))  # the transform of most domes, worked out once


class DomeWriter(Writer):
    """A DomeLight for an `Environment` (lights.world); `ctx` is the Environment of the frame."""

    prim_kind = "DomeLight"

    def define(self, path, env):
        self.untextured = False  # an environment image that could not be written
        asset = None
        if env.image is not None:
            asset = write_texture(self.session, env.image,
                                  fallback="the World's DomeLight has its viewport colour instead")
            self.untextured = asset is None
        with Sdf.ChangeBlock():  # a stage open on the layer composes the dome once
            spec = specs.define(self.session.layer, path, self.prim_kind)
            specs.attribute(spec, _TRANSFORM, _T.Matrix4d)  # the transform op, as AddTransformOp makes it
            specs.attribute(spec, "xformOpOrder", _T.TokenArray, Vt.TokenArray([_TRANSFORM]), uniform=True)
            if asset is not None:
                specs.attribute(spec, "inputs:texture:file", _T.Asset, Sdf.AssetPath(asset))
                specs.attribute(spec, "inputs:texture:format", _T.Token,
                                _FORMATS.get(env.projection, UsdLux.Tokens.automatic))

    def write(self, env, time):
        self.set_named("inputs:intensity", _T.Float, float(env.strength), time)
        self.set_named("inputs:exposure", _T.Float, 0.0, time)
        color = env.viewport_color if self.untextured and env.image is not None else env.color
        self.set_named("inputs:color", _T.Color3f, Gf.Vec3f(*color), time)
        matrix = _UNTURNED if env.rotation is NOT_TURNED else _matrix4(dome_rotation(env.rotation))
        self.set_named(_TRANSFORM, _T.Matrix4d, matrix, time, same=matrices_close)


class WorldWriter:
    """Scene writer: the World's DomeLight each frame, then the default light when no light was written."""

    def __init__(self, session, scene):
        self.session = session
        self.dome = None
        # Where nothing keys or drives the World, what it shows now is what it shows at every frame:
        # written once, from what is read here (with the dome's definition, but in a chunk, which
        # samples every frame).
        self._static = not (session.sampled and linked_may_change(scene, "world"))
        self._written = False
        env = read_world(scene.world)
        self._still = env if self._static else None
        if env is not None:
            path = ROOT.AppendChild(session.names.claim(ROOT, scene.world.name))
            if self._static and not session.chunk:  # with its definition: a stage open composes it once
                with Sdf.ChangeBlock():
                    self.dome = DomeWriter(session, path, env)
                    self.dome.done = True
                    self.dome.write(env, session.first_frame)
                self._written, self._still = True, None
            else:
                self.dome = DomeWriter(session, path, env)
            for note in env.notes:
                session.report.warn(f"World {scene.world.name!r}: {note}")

    @property
    def done(self):
        """Nothing more to write at later frames."""
        return self.dome is None or (self._static and self._written)

    def write(self, scene, depsgraph, frame):  # called while not done
        self._written = True
        self.dome.done = self._static  # written once: its values are defaults
        env = self._still or read_world(scene.world.evaluated_get(depsgraph))
        self._still = None  # not kept past the frame: it holds Blender data
        if env is None:  # black at this frame (an animated strength)
            self.dome.set_named("inputs:intensity", _T.Float, 0.0, frame)
            return
        self.dome.write(env, frame)

    def finish(self):
        session = self.session
        if any(session.report.prims[kind] for kind in LIGHT_KINDS):
            return
        if not session.options.default_light:
            session.report.warn("the scene has no light: the file is not Miris-compliant (the specification "
                                "requires one); turn on Default Light to add one")
            return
        path = ROOT.AppendChild(session.names.claim(ROOT, "DefaultLight"))
        with Sdf.ChangeBlock():
            spec = specs.define(session.layer, path, "DomeLight")
            specs.attribute(spec, "inputs:intensity", _T.Float, 1.0)
            specs.attribute(spec, "inputs:color", _T.Color3f, Gf.Vec3f(1.0, 1.0, 1.0))
        session.report.count("DomeLight")
        session.report.default_light = str(path)
        session.report.warn(f"the scene has no light and a black or missing World: added {path}, a white "
                            "DomeLight of intensity 1, as the Miris specification requires a light")
