"""Which meshes are written skinned (UsdSkel) and which fall back to point samples, and their weights.

A mesh is skinned when one Armature modifier deforms it through vertex groups
and nothing after that modifier moves its points: its points are then the
mesh evaluated without the modifier (what comes before it applied: shape keys,
modifiers above), and UsdSkel does the rest. For the whole export those
Armature modifiers are turned off in the evaluation (and turned back on after),
so the depsgraph hands over the pre-armature meshes. Anything else that
deforms through an armature is written as point samples, one report line per
mesh saying why.
"""
from array import array
from dataclasses import dataclass

import numpy as np

from ..hierarchy.iterator import object_key

# Modifiers that may follow the Armature modifier: they leave points and topology alone.
_HARMLESS_AFTER = {"UV_PROJECT", "UV_WARP", "VERTEX_WEIGHT_EDIT", "VERTEX_WEIGHT_MIX", "VERTEX_WEIGHT_PROXIMITY",
                   "WEIGHTED_NORMAL", "NORMAL_EDIT"}
# Below this total weight Blender leaves a vertex where it is.
_MIN_WEIGHT = 1e-4


@dataclass
class Skin:
    mesh: str  # the mesh object's name
    armature: str  # the armature object's name
    modifier: str  # the Armature modifier's name
    dual_quaternion: bool  # Preserve Volume
    joint_of_bone: dict  # {deform bone name: joint index} (deform_joint_names)
    weights: tuple | None = None  # (indices, weights) of the mesh's own vertices, when no modifier comes first


def _enabled(mod, mode):
    return mod.show_render if mode == "RENDER" else mod.show_viewport


def skin_or_reason(obj, mode, exported, deform_only):
    """A Skin for the (original) mesh object, a reason (str) when its armature deformation must be
    written as point samples, or None when no armature deforms it."""
    mods = [m for m in obj.modifiers if _enabled(m, mode)]
    armatures = [m for m in mods if m.type == "ARMATURE" and m.object is not None]
    if not armatures:
        if obj.parent is not None and obj.parent_type == "ARMATURE":
            return "it is deformed through armature parenting, not an Armature modifier"
        return None
    if len(armatures) > 1:
        return "several Armature modifiers"
    mod = armatures[0]
    after = [m for m in mods[mods.index(mod) + 1:] if m.type not in _HARMLESS_AFTER]
    if after:
        return f"the {after[0].name} modifier comes after the Armature modifier"
    if obj.parent is not None and obj.parent_type == "ARMATURE":
        return "armature parenting deforms it besides its Armature modifier"
    if mod.use_multi_modifier:
        return "the Armature modifier is a multi-modifier"
    if mod.use_bone_envelopes:
        return "the Armature modifier uses bone envelopes"
    if not mod.use_vertex_groups:
        return "the Armature modifier does not use vertex groups"
    if mod.vertex_group:
        return "the Armature modifier is limited by a vertex group"
    if mod.object.type != "ARMATURE" or not len(mod.object.data.bones):
        return f"{mod.object.name} is not an armature with bones"
    if object_key(mod.object) not in exported:
        return f"its armature {mod.object.name} is not exported"
    joints = deform_joint_names(mod.object, deform_only)
    skin = Skin(obj.name_full, mod.object.name_full, mod.name, mod.use_deform_preserve_volume, joints)
    weights = read_weights(obj.data, obj.vertex_groups, joints)
    unweighted = int(np.count_nonzero(weights[1].sum(axis=1) == 0)) if len(weights[1]) else 0
    if unweighted:
        return f"{unweighted} vertex(es) have no weight of a deform bone (UsdSkel would move them to the origin)"
    if mods.index(mod) == 0:  # nothing before the modifier changes the vertices or their weights
        skin.weights = weights
    return skin


def deform_joint_names(armature_object, deform_only):
    """{bone name: joint index} of the deform bones, in the order `armature.joints` gives joints."""
    from .armature import joint_bones

    order = joint_bones(armature_object, deform_only)
    deform = {b.name for b in armature_object.data.bones if b.use_deform}
    return {name: i for i, name in enumerate(order) if name in deform}


def plan(depsgraph, options, wanted):
    """({mesh key: Skin}, [(mesh name, reason)]) for the exported meshes deformed by armatures.
    `wanted(key, obj)` says whether an object is exported; the depsgraph, whether it is evaluated."""
    present = {object_key(obj): obj for obj in depsgraph.objects}
    candidates = sorted(key for key, obj in present.items()
                        if obj.type == "MESH" and _may_be_skinned(obj) and wanted(key, obj))
    if not candidates:
        return {}, []
    exported = {key for key, obj in present.items() if wanted(key, obj)}
    # Copies of a mesh made by instancing (not an object's own evaluated geometry) would need the
    # armature's copy too: such meshes keep their Armature modifier.
    instanced = {object_key(inst.object) for inst in depsgraph.object_instances
                 if inst.is_instance and inst.parent is not None and inst.object.original != inst.parent.original}
    skins, fallbacks = {}, []
    for key in candidates:
        obj = present[key].original
        found = skin_or_reason(obj, options.evaluation_mode, exported, options.deform_bones_only)
        if isinstance(found, Skin) and key in instanced:
            found = "it is instanced, and its copies are written as they are evaluated"
        if isinstance(found, Skin):
            skins[key] = found
        elif found is not None:
            fallbacks.append((obj.name, found))
    return skins, fallbacks


def _may_be_skinned(obj):
    return obj.parent_type == "ARMATURE" or any(m.type == "ARMATURE" for m in obj.modifiers)


def armature_modifiers(skins):
    """The Armature modifier of each skinned mesh: the export evaluates the meshes without them."""
    import bpy

    return [bpy.data.objects[skin.mesh].modifiers[skin.modifier] for skin in skins.values()]


def read_weights(mesh, vertex_groups, joint_of_bone):
    """((V, K) int32 joint indices, (V, K) float32 weights summing to one, or zero for a vertex no
    deform bone weighs) of every vertex of `mesh`; K is the most influences a vertex has (at least 1).
    Vertex groups that are not deform bones are ignored, as Blender's Armature modifier does."""
    joint_of_group = {g.index: joint_of_bone[g.name] for g in vertex_groups if g.name in joint_of_bone}
    # Blender has no bulk read of vertex weights: one pass over the vertices, once per mesh, into
    # typed arrays (a third of the memory of lists of Python numbers).
    rows, joints_, weights = array("i"), array("i"), array("f")
    for v in mesh.vertices:
        for g in v.groups:
            joint = joint_of_group.get(g.group)
            if joint is not None and g.weight > 0:
                rows.append(v.index)
                joints_.append(joint)
                weights.append(g.weight)
    count = len(mesh.vertices)
    rows = np.frombuffer(rows, np.int32).astype(int)
    joints_, weights = np.frombuffer(joints_, np.int32), np.frombuffer(weights, np.float32)
    per_vertex = np.bincount(rows, minlength=count) if len(rows) else np.zeros(count, int)
    width = max(1, int(per_vertex.max()) if count else 1)
    slot = np.arange(len(rows)) - np.repeat(np.cumsum(per_vertex) - per_vertex, per_vertex)
    indices = np.zeros((count, width), np.int32)
    values = np.zeros((count, width), np.float32)
    indices[rows, slot] = joints_
    values[rows, slot] = weights
    total = values.sum(axis=1, keepdims=True)
    values[total[:, 0] < _MIN_WEIGHT] = 0.0
    np.divide(values, total, out=values, where=total >= _MIN_WEIGHT)
    return indices, values
