"""What can change from frame to frame, decided once per object as Blender decides it."""

# Parenting that deforms the child's mesh, not only moves it (the legacy armature, lattice, curve parents).
_DEFORMING_PARENT_TYPES = {"ARMATURE", "LATTICE", "CURVE"}


def shape_may_change(obj):
    """Whether the evaluated mesh of `obj` (an original object) can differ between frames:
    any modifier (time, drivers and deformers act through them), animation or drivers on the
    mesh or its shape keys, or a deforming parent. Anything else is read once."""
    if len(obj.modifiers) or obj.parent_type in _DEFORMING_PARENT_TYPES:
        return True
    data = obj.data
    keys = getattr(data, "shape_keys", None)
    return data.animation_data is not None or (keys is not None and keys.animation_data is not None)
