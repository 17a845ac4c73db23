"""What can change from frame to frame, decided once per object as Blender decides it."""
from functools import cache

# Parenting that deforms the child's mesh, not only moves it (the legacy armature, lattice, curve parents).
_DEFORMING_PARENT_TYPES = {"ARMATURE", "LATTICE", "CURVE"}


# Modifiers whose result depends on nothing but the mesh and their own settings: no other object,
# no time. Keyed or driven settings show as the object's animation (paths "modifiers[...]").
_SELF_CONTAINED_MODIFIERS = {
    "BEVEL", "DECIMATE", "EDGE_SPLIT", "LAPLACIANSMOOTH", "MULTIRES", "REMESH", "SKIN", "SMOOTH", "SOLIDIFY",
    "SUBSURF", "TRIANGULATE", "WEIGHTED_NORMAL", "WELD", "WIREFRAME",
}


def shape_may_change(obj, switched_off=()):
    """Whether the evaluated mesh of `obj` (an original object) can differ between frames: a
    deforming parent; a modifier (time, drivers and deformers act through them) other than those
    named in `switched_off`, which the export keeps out of the evaluation (a skinned mesh's Armature
    modifier), unless it is self-contained and nothing keys or drives it; animation or drivers on
    the mesh (but for its custom properties) or its shape keys, or the object's reaching into its
    data. Anything else is read once."""
    from .evaluation import animated_paths

    if obj.parent_type in _DEFORMING_PARENT_TYPES:
        return True
    modifiers = [mod for mod in obj.modifiers if mod.name not in switched_off]
    if any(mod.type not in _SELF_CONTAINED_MODIFIERS for mod in modifiers):
        return True
    reaches = ("modifiers", "data") if modifiers else ("data",)
    if any(path.startswith(reaches) for path in animated_paths(obj)):
        return True
    data = obj.data
    keys = getattr(data, "shape_keys", None)
    if keys is not None and keys.animation_data is not None:
        return True
    return any(not path.startswith('["') for path in animated_paths(data))  # custom properties draw nothing


# Modifiers whose result depends only on their inputs, never on the frame itself: anything that
# moves them (an animated object, property or driver) is caught as animation.
_TIMELESS_MODIFIERS = {
    "ARMATURE", "ARRAY", "BEVEL", "BOOLEAN", "CAST", "CORRECTIVE_SMOOTH", "CURVE", "DATA_TRANSFER",
    "DECIMATE", "DISPLACE", "EDGE_SPLIT", "HOOK", "LAPLACIANDEFORM", "LAPLACIANSMOOTH", "LATTICE",
    "MASK", "MESH_DEFORM", "MIRROR", "MULTIRES", "NORMAL_EDIT", "REMESH", "SCREW", "SHRINKWRAP",
    "SIMPLE_DEFORM", "SKIN", "SMOOTH", "SOLIDIFY", "SUBSURF", "SURFACE_DEFORM", "TRIANGULATE",
    "UV_PROJECT", "UV_WARP", "VERTEX_WEIGHT_EDIT", "VERTEX_WEIGHT_MIX", "VERTEX_WEIGHT_PROXIMITY",
    "VOLUME_DISPLACE", "WARP", "WEIGHTED_NORMAL", "WELD", "WIREFRAME",
}
# Geometry nodes that read the frame or keep state from frame to frame.
_TIMED_NODES = {"GeometryNodeInputSceneTime", "GeometryNodeSimulationInput", "GeometryNodeSimulationOutput",
                "GeometryNodeBake"}


def _animated(owner):
    anim = getattr(owner, "animation_data", None)
    return anim is not None and (anim.action is not None or len(anim.drivers) or len(anim.nla_tracks))


def _timed_tree(tree, seen):
    if tree is None or tree.as_pointer() in seen:
        return False
    seen.add(tree.as_pointer())
    for node in tree.nodes:
        if node.bl_idname in _TIMED_NODES:
            return True
        if _timed_tree(getattr(node, "node_tree", None), seen):  # a group node
            return True
    return False


def _animated_tree(tree, seen):
    """Whether a node tree, or one its group nodes use, is keyed or driven."""
    if tree is None or tree.as_pointer() in seen:
        return False
    seen.add(tree.as_pointer())
    return _animated(tree) or any(_animated_tree(getattr(node, "node_tree", None), seen) for node in tree.nodes)


def data_may_change(*blocks):
    """Whether the values read from these data-blocks (a camera's or light's data and the scene whose
    render settings it uses, a World) can differ between frames: a data-block itself (but for its
    custom properties, written once), or a node tree it uses, is keyed or driven. A driver writes
    only into its own data-block, so those of other data-blocks cannot change them."""
    from .evaluation import animated_paths

    seen = set()
    return any(block is not None and (any(not path.startswith('["') for path in animated_paths(block))
                                      or _animated_tree(getattr(block, "node_tree", None), seen))
               for block in blocks)


def linked_may_change(owner, prop, *also):
    """Whether the data-block `owner.<prop>` (an object's camera or light data, a scene's World) can
    give other values at another frame: `data_may_change` for it and the blocks `also`, or an
    animation of `owner` that reaches into it (a path through `prop`)."""
    from .evaluation import animated_paths

    return data_may_change(getattr(owner, prop), *also) or any(path.startswith(prop) for path in animated_paths(owner))


@cache
def _animatable_collections():
    """The names of bpy.data's collections whose data-blocks can be keyed or driven, or hold a node
    tree (images, texts, libraries... cannot: they need not be walked)."""
    import bpy

    return tuple(prop.identifier for prop in bpy.data.bl_rna.properties if prop.type == "COLLECTION"
                 and {"animation_data", "node_tree"}.intersection(prop.fixed_type.properties.keys()))


def scene_may_change(scene):
    """Whether anything exported from `scene` can differ between frames, decided conservatively:
    no animation or driver on any data-block, no physics, particles, time-dependent modifier or
    geometry nodes, constraint, camera marker or moving image. When this is False, one frame
    stands for the whole range."""
    import bpy

    for name in _animatable_collections():
        for block in getattr(bpy.data, name):
            if _animated(block) or _animated(getattr(block, "node_tree", None)):
                return True
    if scene.rigidbody_world is not None or any(marker.camera for marker in scene.timeline_markers):
        return True
    if any(image.source in {"MOVIE", "SEQUENCE"} for image in bpy.data.images):
        return True
    seen = set()
    for obj in scene.objects:
        if len(obj.constraints) or len(getattr(obj, "particle_systems", ())):
            return True
        for modifier in obj.modifiers:
            if modifier.type == "NODES":
                if _timed_tree(modifier.node_group, seen):
                    return True
            elif modifier.type not in _TIMELESS_MODIFIERS:
                return True
    return False
