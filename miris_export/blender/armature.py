"""An armature's bones as UsdSkel joints: joint paths, rest and bind matrices, and each frame's pose.

Everything is in the armature object's own space, as a mesh's points are in
its object's: the Skeleton prim sits where the armature's transform puts it,
which carries the Z-up to Y-up change and the unit scale. A bone's
`matrix_local` is its rest matrix in armature space (the bind transform); a
pose bone's `matrix` is its evaluated matrix in armature space, with
constraints, IK, drivers and NLA already applied.
"""
from dataclasses import dataclass

import numpy as np

from ..matrices import relative_pairs
from ..usd.naming import SiblingNames
from .attributes import read_array


@dataclass
class Joints:
    tokens: list  # joint paths ("Hips/Spine/Chest"), parents before children
    bones: list  # the bone name of each joint
    parents: np.ndarray  # (J,) index of each joint's parent joint, -1 for roots
    bind: np.ndarray  # (J, 4, 4) armature-space rest matrices
    rest: np.ndarray  # (J, 4, 4) rest matrices relative to the parent joint
    pose_rows: np.ndarray  # (J,) the row of each joint among the pose bones


def joints(armature_object, deform_only):
    """The joints of an (evaluated or original) armature object: every bone, or only deform bones.
    A joint's parent is its nearest ancestor that is a joint too."""
    order, tokens, parents = _tree(armature_object, deform_only)
    bones = armature_object.data.bones
    place = {b.name: i for i, b in enumerate(bones)}
    rest_all = _matrices(bones, "matrix_local")
    bind = rest_all[[place[b.name] for b in order]] if order else np.zeros((0, 4, 4))
    pose_place = {b.name: i for i, b in enumerate(armature_object.pose.bones)}
    return Joints(
        tokens=tokens,
        bones=[b.name for b in order],
        parents=parents,
        bind=bind,
        rest=local(bind, parents),
        pose_rows=np.array([pose_place[b.name] for b in order], int),
    )


def joint_bones(armature_object, deform_only):
    """The bone name of each joint, in the order `joints` gives them, without their matrices."""
    return [b.name for b in _tree(armature_object, deform_only)[0]]


def _tree(armature_object, deform_only):
    """(bones in joint order, parents before children; their joint paths; (J,) parent joint indices)."""
    bones = armature_object.data.bones
    chosen = [b for b in bones if b.use_deform or not deform_only]
    wanted = {b.name for b in chosen}
    names, tokens, order, parent_of = SiblingNames(), {}, [], {}

    def visit(bone, parent):
        if bone.name in wanted:
            parent_token = tokens.get(parent)
            name = names.claim(parent_token or "", bone.name)
            tokens[bone.name] = f"{parent_token}/{name}" if parent_token else name
            parent_of[bone.name] = parent
            order.append(bone)
            parent = bone.name
        for child in sorted(bone.children, key=lambda b: b.name):
            visit(child, parent)

    for root in sorted((b for b in bones if b.parent is None), key=lambda b: b.name):
        visit(root, None)
    index = {bone.name: i for i, bone in enumerate(order)}
    parents = np.array([index.get(parent_of[b.name], -1) for b in order], int)
    return order, [tokens[b.name] for b in order], parents


def read_pose(armature_object):
    """The evaluated pose as read, every bone's armature-space matrix: `pose` makes the joints' of it.
    Two reads alike to the bit are one pose."""
    bones = armature_object.pose.bones
    return read_array(bones, "matrix", len(bones), 16, np.float32)


def pose(read, joints):
    """(J, 4, 4) armature-space matrices of the joints, from `read_pose`."""
    return _as_matrices(read)[joints.pose_rows]


def local(matrices, parents):
    """(..., J, 4, 4) armature-space matrices made relative to each joint's parent (a joint and its
    parent held over frames: solved once)."""
    result = matrices.copy()
    child = np.flatnonzero(parents >= 0)
    if len(child):
        result[..., child, :, :] = relative_pairs(matrices[..., parents[child], :, :], matrices[..., child, :, :])
    return result


def _matrices(collection, prop):
    """A matrix property of every item, as (N, 4, 4) float64 in Blender's (column-vector) convention."""
    return _as_matrices(read_array(collection, prop, len(collection), 16, np.float32))


def _as_matrices(flat):
    # foreach_get gives each matrix column by column: transposed, they are Blender's rows.
    return flat.reshape(-1, 4, 4).transpose(0, 2, 1).astype(np.float64)


def decompose(matrices):
    """(translations, rotations as (x, y, z, w) quaternions, scales, residual) of (..., 4, 4) matrices:
    M = T R S as UsdSkel composes them. `residual` is the largest difference the decomposition cannot
    hold (shear), per matrix."""
    m3 = matrices[..., :3, :3]
    u, _, vt = np.linalg.svd(m3)
    rotation = u @ vt
    flip = np.linalg.det(rotation) < 0  # a mirror: one negative scale
    rotation[flip] = -rotation[flip]
    stretch = np.swapaxes(rotation, -1, -2) @ m3
    scales = np.diagonal(stretch, axis1=-2, axis2=-1)
    residual = np.abs(stretch - scales[..., None, :] * np.eye(3)).max(axis=(-2, -1))
    return matrices[..., :3, 3], quaternions(rotation), scales, residual


def quaternions(rotation):
    """(..., 4) unit quaternions (x, y, z, w) of (..., 3, 3) rotation matrices, w >= 0."""
    r = rotation
    r00, r01, r02 = r[..., 0, 0], r[..., 0, 1], r[..., 0, 2]
    r10, r11, r12 = r[..., 1, 0], r[..., 1, 1], r[..., 1, 2]
    r20, r21, r22 = r[..., 2, 0], r[..., 2, 1], r[..., 2, 2]
    # Each row is a multiple of the quaternion; the one of largest norm is the most precise. Filled
    # in place: stacking rows of a few joints costs more than the arithmetic.
    candidates = np.empty(r.shape[:-2] + (4, 4))
    candidates[..., 0, 0] = candidates[..., 1, 3] = r21 - r12
    candidates[..., 0, 1] = candidates[..., 2, 3] = r02 - r20
    candidates[..., 0, 2] = candidates[..., 3, 3] = r10 - r01
    candidates[..., 0, 3] = 1 + (r00 + r11 + r22)
    candidates[..., 1, 0] = 1 + r00 - r11 - r22
    candidates[..., 1, 1] = candidates[..., 2, 0] = r01 + r10
    candidates[..., 1, 2] = candidates[..., 3, 0] = r02 + r20
    candidates[..., 2, 1] = 1 + r11 - r00 - r22
    candidates[..., 2, 2] = candidates[..., 3, 1] = r12 + r21
    candidates[..., 3, 2] = 1 + r22 - r00 - r11
    norms = np.linalg.norm(candidates, axis=-1)
    best = np.take_along_axis(candidates, norms.argmax(-1)[..., None, None], -2)[..., 0, :]
    q = best / np.linalg.norm(best, axis=-1, keepdims=True)
    return np.where(q[..., 3:] < 0, -q, q)
