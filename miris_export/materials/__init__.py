"""Materials: Blender materials as UsdPreviewSurface networks under /Materials, and their bindings."""


def double_sided(obj):
    """A mesh is double-sided unless every material it uses culls back faces."""
    mats = [slot.material for slot in obj.material_slots if slot.material is not None]
    return not mats or not all(m.use_backface_culling for m in mats)


def bind(session, mesh, obj):
    """Binds the object's materials to `mesh` (a UsdGeom.Mesh), with face subsets for several slots.

    Called when the mesh prim is defined, outside any change block, so it may define prims."""
    return None
