"""Materials: Blender materials as UsdPreviewSurface networks under /Materials, and their bindings.

nodes: reading node trees; surface: a material as UsdPreviewSurface inputs; network: the USD
Material and its shaders; binding: materials bound to meshes, with face subsets; coordinates: texture
coordinates computed from node chains.
"""
from .binding import bind, computed_coordinates  # noqa: F401


def double_sided(obj):
    """A mesh is double-sided unless every material it uses culls back faces."""
    mats = [slot.material for slot in obj.material_slots if slot.material is not None]
    return not mats or not all(m.use_backface_culling for m in mats)

