"""Armatures as UsdSkel: a Skeleton with its SkelAnimation, and the meshes it skins.

Where the SkelRoot goes: UsdSkel skins only what sits under a SkelRoot
together with its Skeleton. The armature object's Xform becomes that SkelRoot
(it keeps the armature's transform), with the Skeleton as its data prim, so the
meshes parented to the armature, the usual rig, are skinned where they are and
the Blender hierarchy is kept. A mesh deformed by an armature that is not its
ancestor gets a SkelRoot of its own: its Xform becomes one, holding a copy of
the Skeleton (same joints, bind and rest transforms, the same SkelAnimation)
whose transform puts it where the armature is.

Skinning happens in the armature's space: `skel:geomBindTransform` takes the
mesh's points there (the armature's inverse world matrix times the mesh's),
as Blender's Armature modifier does, so the skinned points land where Blender
puts them.
"""
import numpy as np
from pxr import Gf, Sdf, UsdGeom, UsdSkel, Vt

from ..blender import armature
from ..blender.animation import shape_may_change
from ..blender.skinning import read_weights
from ..hierarchy.iterator import object_key
from ..matrices import relative
from ..usd import specs
from ..usd.sparse import write_gathered
from ..usd.values import vt_array
from .base import Writer
from .mesh import MeshWriter

SKELROOT = "SkelRoot"
ANIMATION = "Animation"
_BATCH = 4096  # joint poses decomposed at a time
_T = Sdf.ValueTypeNames
_BINDING = "SkelBindingAPI"
_TRANSFORM = "xformOp:transform"


def _gf_matrices(matrices):
    """Gf matrices act on row vectors: the transposes of Blender's."""
    return Vt.Matrix4dArray.FromNumpy(np.ascontiguousarray(np.swapaxes(matrices, -1, -2)))


def _gf_matrix(matrix):
    return Gf.Matrix4d(*np.asarray(matrix, np.float64).T.ravel().tolist())


def _joints(session, armature_object):
    """The joints of an armature, worked out once per export and shared by its Skeleton's copies."""
    cache = session.cache.setdefault("skeleton joints", {})
    key = armature_object.original.name_full
    if key not in cache:
        cache[key] = armature.joints(armature_object, session.options.deform_bones_only)
    return cache[key]


# UsdSkel's prims and properties are authored as specs (usd.specs), as its schema calls would.
def define_skeleton(layer, path, joints):
    skeleton = specs.define(layer, path, "Skeleton")
    specs.attribute(skeleton, "joints", _T.TokenArray, Vt.TokenArray(joints.tokens), uniform=True)
    specs.attribute(skeleton, "bindTransforms", _T.Matrix4dArray, _gf_matrices(joints.bind), uniform=True)
    specs.attribute(skeleton, "restTransforms", _T.Matrix4dArray, _gf_matrices(joints.rest), uniform=True)
    return skeleton


def make_skel_root(layer, path):
    """The Xform at `path` becomes a SkelRoot; it keeps its transform (a SkelRoot is Xformable)."""
    layer.GetPrimAtPath(path).typeName = SKELROOT


def _skel_primvar(spec, name, type_name, element_size):
    """A per-vertex primvar of `element_size` values a vertex (CreateJoint*Primvar, not constant)."""
    attr = spec.attributes.get(name) or specs.attribute(spec, name, type_name)
    attr.SetInfo("interpolation", UsdGeom.Tokens.vertex)
    attr.SetInfo("elementSize", element_size)
    return attr


class SkeletonWriter(Writer):
    """An armature object's data: its Skeleton, and the SkelAnimation of its pose over the frames."""

    prim_kind = "Skeleton"

    @staticmethod
    def has_data(obj):
        return len(obj.data.bones) > 0

    def define(self, path, ctx):
        layer = self.session.layer
        self.joints = _joints(self.session, ctx.object)
        animation = path.AppendChild(ANIMATION)
        with Sdf.ChangeBlock():
            make_skel_root(layer, path.GetParentPath())
            skeleton = define_skeleton(layer, path, self.joints)
            self.animation = specs.define(layer, animation, "SkelAnimation")
            specs.attribute(self.animation, "joints", _T.TokenArray, Vt.TokenArray(self.joints.tokens), uniform=True)
            specs.apply_schema(skeleton, _BINDING)
            specs.relationship(skeleton, "skel:animationSource", [animation])
        # Its paths, for the meshes it deforms (not the writer: the session would hold itself).
        self.session.cache.setdefault("skeletons", {})[object_key(ctx.object)] = (path, animation)
        self._times = []
        self._order = []  # for each frame, the index of its pose among the distinct poses
        self._pending = []  # armature-space poses not yet decomposed
        self._values = []  # decomposed batches: (translations, rotations, scales), (K, J, 3 or 4) float32
        self._shear = 0.0
        self._pose = None  # the pose last read (armature.read_pose), as bytes
        self._distinct = 0

    def write(self, ctx, time):
        read = armature.read_pose(ctx.object)
        self._times.append(time)
        key = read.tobytes()
        if not self._order or key != self._pose:  # else a held pose: the frame before's values
            self._pose = key
            pose = armature.pose(read, self.joints)
            self._pending.append(pose)
            self._distinct += 1
            if len(self._pending) * len(pose) >= _BATCH:
                self._decompose()
        self._order.append(self._distinct - 1)

    def _decompose(self):
        """Decomposes the pending poses in one batch: numpy's per-call cost, paid once for many frames,
        was most of a frame's; each matrix gives the values it gives alone. Batches keep a few bytes a
        joint, not the matrices and their copies."""
        if not self._pending:
            return
        local = armature.local(np.stack(self._pending), self.joints.parents)
        self._pending = []
        translations, rotations, scales, residual = armature.decompose(local)
        self._values.append(tuple(a.astype(np.float32) for a in (translations, rotations, scales)))
        self._shear = max(self._shear, float(residual.max(initial=0.0)))

    def finish(self):
        if not self._order:
            return
        self._decompose()
        if self._shear > 1e-4:
            self.session.report.warn(f"{self.path}: some joints are sheared relative to their parent (a "
                                     "non-uniform scale); UsdSkel joints hold no shear, so it is left out")
        anim = self.animation
        order = np.array(self._order)
        for i, (attr, convert) in enumerate((
            (specs.attribute(anim, "translations", _T.Float3Array), Vt.Vec3fArray.FromNumpy),
            (specs.attribute(anim, "rotations", _T.QuatfArray), Vt.QuatfArray.FromNumpy),
            (specs.attribute(anim, "scales", _T.Half3Array), lambda a: Vt.Vec3hArray.FromNumpy(a.astype(np.float16))),
        )):
            values = np.concatenate([batch[i] for batch in self._values])[order]  # (F, J, 3 or 4)
            # Each attribute on its own: a frame changes when any joint's value does, beyond float noise.
            changed = np.abs(np.diff(values, axis=0)).max(axis=(1, 2), initial=0.0) > 1e-6
            write_gathered(attr, self._times, _Lazy(values, convert), changed, self.session.chunk)
        self._values = []


class _Lazy:
    """values[i] converted on demand: only the frames written are made into USD arrays."""

    def __init__(self, values, convert):
        self.values, self.convert = values, convert

    def __getitem__(self, i):
        return self.convert(np.ascontiguousarray(self.values[i]))


class SkinnedMeshWriter(MeshWriter):
    """A mesh its armature skins: the mesh before the Armature modifier, with joint indices and weights
    (SkelBindingAPI), bound to its armature's Skeleton or, when the armature is not its ancestor, to a
    copy of it under the mesh's own SkelRoot."""

    defines_in_batch = False  # a Skeleton copy is a new prim, used once defined

    def define(self, path, ctx):
        super().define(path, ctx)
        layer = self.session.layer
        self.binding = layer.GetPrimAtPath(path)  # the mesh's spec, SkelBindingAPI applied
        self.skin = self.session.skins[object_key(ctx.object)]
        # Its Armature modifier is kept out of the evaluation: only the others can change the mesh.
        self._static = not ctx.is_instance and not shape_may_change(ctx.object.original, {self.skin.modifier})
        arm = self._armature(ctx)
        self.joints = _joints(self.session, arm)
        self._copy = None  # the spec of the Skeleton copy of a mesh outside its armature
        self._placed = None  # (the armature's and the mesh's world matrices as bytes, bind, copy) last written
        self._place_attrs = None  # [attribute] of bind and copy, made at the first frame after the mesh's
        with Sdf.ChangeBlock():
            specs.apply_schema(self.binding, _BINDING)
            if self.skin.dual_quaternion:
                specs.attribute(self.binding, "primvars:skel:skinningMethod", _T.Token, UsdSkel.Tokens.dualQuaternion,
                                uniform=True)
            if not _is_ancestor(arm.original, ctx.object.original):
                xform = path.GetParentPath()
                make_skel_root(layer, xform)
                name = self.session.names.claim(xform, arm.data.name)
                self._copy = define_skeleton(layer, xform.AppendChild(name), self.joints)
                specs.attribute(self._copy, _TRANSFORM, _T.Matrix4d)  # the transform op, as AddTransformOp makes it
                specs.attribute(self._copy, "xformOpOrder", _T.TokenArray, Vt.TokenArray([_TRANSFORM]), uniform=True)
                specs.relationship(self.binding, "skel:skeleton", [self._copy.path])

    def _armature(self, ctx):
        return ctx.object.modifiers[self.skin.modifier].object

    def write(self, ctx, time):
        # The armature's place relative to the mesh first: the mesh's writer holds every value
        # it has at this frame, which must not count as this one's held value before it changed.
        # Both as the depsgraph gives them (a skinned mesh is never an instance: see skinning.plan).
        arm_world = np.array(self._armature(ctx).matrix_world, np.float64)
        world = np.array(ctx.object.matrix_world, np.float64)
        # Held where both are the frame before's to the bit: worked out again, the values would be too.
        key = arm_world.tobytes() + world.tobytes()
        held = self._placed is not None and key == self._placed[0]
        if not held:
            bind = _gf_matrix(relative(arm_world, world))
            copy = None if self._copy is None else _gf_matrix(relative(world, arm_world))
            self._placed = (key, bind, copy)
        if self._place_attrs is None:
            self._place_attrs = [self.attribute("primvars:skel:geomBindTransform", _T.Matrix4d)]
            if self._copy is not None:
                self._place_attrs.append(self._copy.attributes[_TRANSFORM])
        for attr, matrix in zip(self._place_attrs, self._placed[1:]):
            if held and self.session.animated:  # the value last set, said again without comparing it
                self._sampled[attr.name].hold(time)
            else:
                self.set(attr, matrix, time, _close_matrices)
        # A mesh only its armature moves is read at the first frame (in a chunk, held at each frame).
        if self._topology is None or not self._static or self.session.chunk:
            self._vertex_groups = ctx.object.vertex_groups  # for _write_topology, during this call only
            try:
                super().write(ctx, time)
            finally:
                self._vertex_groups = None
        self.done = False  # the armature may move relative to the mesh

    def _write_topology(self, reader, time):
        renamed = super()._write_topology(reader, time)
        mesh = reader.mesh
        if self.skin.weights is not None and len(self.skin.weights[0]) == len(mesh.vertices):
            indices, weights = self.skin.weights  # read when planned
        else:
            indices, weights = read_weights(mesh, self._vertex_groups, self.skin.joint_of_bone)
        if reader.used is not None:
            indices, weights = indices[reader.used], weights[reader.used]
        size = indices.shape[1]
        self.set(_skel_primvar(self.binding, "primvars:skel:jointIndices", _T.IntArray, size),
                 vt_array(Vt.IntArray, indices.ravel()), time)
        self.set(_skel_primvar(self.binding, "primvars:skel:jointWeights", _T.FloatArray, size),
                 vt_array(Vt.FloatArray, weights.ravel()), time)
        return renamed

    def finish(self):
        super().finish()
        # The armature's writer may be made after this one: its paths are known once all are made.
        source = self.session.cache.get("skeletons", {}).get(("OB", self.skin.armature))
        if source is None:
            self.session.report.warn(f"{self.path}: its armature {self.skin.armature} was not written; "
                                     "the mesh is left in its rest shape")
            return
        skeleton, animation = source
        if self._copy is not None:
            specs.apply_schema(self._copy, _BINDING)
            specs.relationship(self._copy, "skel:animationSource", [animation])
        else:
            specs.relationship(self.binding, "skel:skeleton", [skeleton])


def _close_matrices(a, b):
    return Gf.IsClose(a, b, 1e-9)


def _is_ancestor(ancestor, obj):
    parent = obj.parent
    while parent is not None:
        if parent == ancestor:
            return True
        parent = parent.parent
    return False
