"""One writer per kind of exported data. `DATA_WRITERS` maps a Blender object type to
the writer of its data prim; objects of other types are exported as Xforms when
they carry exported children, else skipped with a report line."""
from .camera import CameraWriter, SceneCameraWriter
from .curves import CurvesWriter
from .light import LightWriter
from .mesh import MeshWriter
from .points import PointsWriter
from .skeleton import SkeletonWriter, SkinnedMeshWriter
from .world import WorldWriter

DATA_WRITERS = {
    "MESH": MeshWriter,
    "POINTCLOUD": PointsWriter,
    "CURVES": CurvesWriter,
    "LIGHT": LightWriter,
    "CAMERA": CameraWriter,
    "ARMATURE": SkeletonWriter,  # with the skeletons option; without it, an Xform when it carries children
}
# Meshes an armature skins (see blender/skinning.py) take this writer instead.
SKINNED_MESH_WRITER = SkinnedMeshWriter

# Writers of what belongs to the scene rather than to one object (the World...):
# created before the first frame as cls(session, scene), then write(scene, depsgraph, frame)
# each frame inside the frame's change block until `done` says nothing more can be written, then
# finish() after the last frame.
SCENE_WRITERS = [SceneCameraWriter, WorldWriter]  # WorldWriter last: its finish() counts lights

# Types with nothing of their own to write: an Xform when they carry children, silently.
TRANSFORM_ONLY = {"EMPTY", "ARMATURE"}

# Types whose evaluated geometry (a mesh) the depsgraph hands over as components
# of the object; when they have none (a curve without bevel) they are reported.
GEOMETRY_COMPONENTS = {"CURVE", "SURFACE", "META", "FONT"}
