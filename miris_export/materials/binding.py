"""Binding materials to a mesh: one material on the mesh itself, several through `materialBind` face subsets."""
import numpy as np
from pxr import Sdf, UsdGeom, UsdShade, Vt

from ..blender.mesh_data import read_material_indices
from ..usd import specs
from ..usd.naming import uv_primvar_names
from ..usd.values import vt_array
from . import coordinates
from .network import define_material
from .openpbr import define_openpbr
from .surface import read_surface, with_baked

_T = Sdf.ValueTypeNames


def bind(session, path, obj):
    """Binds the object's materials to the mesh at `path`, with face subsets for several slots.
    Returns the computed texture coordinates the mesh must write, {primvar name: expression}.

    Called inside the mesh's change block when its prim is defined: what it authors is specs
    (materials included), which a stage open on the layer takes in with the mesh's. Face assignments are those of
    that first frame."""
    derived = {}
    if not session.options.materials:
        return derived
    data = obj.data  # the evaluated mesh
    # An object-linked slot's material is what slot.material gives, as Blender renders it.
    slots = [slot.material for slot in obj.material_slots]
    if not any(slots):
        return derived
    indices = read_material_indices(data)
    face_count = len(data.polygons)
    uv_maps = [(uv.name, uv.active_render) for uv in data.uv_layers]
    varnames = dict(zip((name for name, _ in uv_maps), uv_primvar_names(uv_maps)))
    if indices is None:  # every face on the first slot
        used = [0] if face_count else []
    else:
        indices = np.clip(indices, 0, len(slots) - 1)  # Blender draws out-of-range faces with the last slot
        used = np.flatnonzero(np.bincount(indices, minlength=len(slots)))
    baked = session.cache.get("baked", {})
    active_uv = data.uv_layers.active.name if data.uv_layers.active else ""  # what Cycles bakes onto
    materials = {}
    for i in used:
        if slots[i] is not None:
            images = baked.get((obj.original.name_full, slots[i].original.name_full), {})
            materials[int(i)] = _material_or_none(session, slots[i], varnames, derived,
                                                  {name: (image, active_uv) for name, image in images.items()})
    materials = {i: m for i, m in materials.items() if m is not None}
    distinct = set(materials.values())
    empty = len(materials) < len(used)
    if empty:
        session.report.info(f"{obj.name}: faces on empty material slots get no material")
    if not distinct:
        return derived
    if len(distinct) == 1 and not empty:
        specs.bind(Sdf.CreatePrimInLayer(session.layer, path), next(iter(distinct)))
        return derived
    _bind_subsets(session, path, indices, materials, empty)
    return derived


def _bind_subsets(session, parent, indices, materials, empty):
    """One face subset per material (slots sharing a material share its subset), faces listed once,
    authored as the specs MaterialBindingAPI.CreateMaterialBindSubset and Bind write."""
    layer = session.layer
    by_path = {}
    for slot, material in sorted(materials.items()):
        by_path.setdefault(material, []).append(slot)
    slot_count = int(indices.max()) + 1
    spec = Sdf.CreatePrimInLayer(layer, parent)
    specs.apply_schema(spec, "MaterialBindingAPI")
    for path, slot_list in by_path.items():
        chosen = np.zeros(slot_count, bool)  # a lookup by slot: np.isin sorts, ten times slower on small meshes
        chosen[slot_list] = True
        faces = np.flatnonzero(chosen[indices]).astype(np.int32)
        subset = specs.define(layer, parent.AppendChild(session.names.claim(parent, path.name)), "GeomSubset")
        specs.attribute(subset, "elementType", _T.Token, UsdGeom.Tokens.face, uniform=True)
        specs.attribute(subset, "indices", _T.IntArray, vt_array(Vt.IntArray, faces))
        specs.attribute(subset, "familyName", _T.Token, UsdShade.Tokens.materialBind, uniform=True)
        specs.bind(subset, path)
        session.report.count("GeomSubset")
    # Every face in exactly one subset is a partition; faces left without a material make it non-overlapping.
    specs.attribute(spec, "subsetFamily:materialBind:familyType", _T.Token,
                    UsdGeom.Tokens.nonOverlapping if empty else UsdGeom.Tokens.partition, uniform=True)


def material_for(session, material, varnames, derived=None, baked=None):
    """The path of the USD Material of a Blender material, made once per export and per set of UV primvar names
    its textures read (meshes naming their UV maps differently need their own copy). Computed
    coordinates read a primvar named after their expression, added to `derived` for the mesh to write.
    `baked` ({USD input: (image, UV map)}) replaces inputs by the images baked for one mesh."""
    material = getattr(material, "original", material)
    surfaces = session.cache.setdefault("material_surfaces", {})
    key = material.name_full
    surface = surfaces.get(key)
    if surface is None:
        surface = surfaces[key] = read_surface(material, session.report, session.options.udim)
    if baked:
        surface = with_baked(surface, baked)
        key = (key, tuple(sorted((name, image.name_full) for name, (image, _) in baked.items())))
    # "" (the active render map) and a map the mesh lacks read `st`, the active render map as exported.
    needed = {}
    for uv in surface.uv_maps:
        if isinstance(uv, str):
            needed[uv] = varnames.get(uv, "st")
        else:
            needed[uv] = _derived_name(uv, varnames, derived)
    made = session.cache.setdefault("materials", {})
    variant = (key, tuple(sorted(needed.items(), key=repr)))
    if variant not in made:
        made[variant] = define_material(session, material.name, surface, needed)
        if session.options.materialx:
            define_openpbr(session, made[variant], material, surface, needed)
    return made[variant]


def computed_coordinates(session, data, label, derived):
    """(primvar name, (corners, 2) float32) for each computed coordinates expression of `derived`
    on the evaluated mesh `data`; an expression that fails on this mesh is reported and left out."""
    for name, expr in sorted(derived.items()):
        try:
            yield name, coordinates.evaluate(expr, data, session.report, label)
        except coordinates.Unevaluable as why:
            session.report.warn(f"{label}: texture coordinates from {why} cannot be computed; the primvar "
                                 f"{name} is not written")


def _derived_name(expr, varnames, derived):
    """The primvar of computed coordinates on this mesh: named after the expression, so meshes share
    the material; suffixed only where a UV map of the mesh already has that name."""
    base = coordinates.primvar_name(expr)
    taken = set(varnames.values())
    name, n = base, 0
    while name in taken or (derived is not None and derived.get(name, expr) != expr):
        n += 1
        name = f"{base}_{n}"
    if derived is not None:
        derived[name] = expr
    return name


def _material_or_none(session, material, varnames, derived, baked):
    """material_for, or None with a report line when the material cannot be converted: a broken
    material costs its faces their material, not the mesh its place in the file."""
    try:
        return material_for(session, material, varnames, derived, baked)
    except Exception as error:  # noqa: BLE001  (whatever breaks, the mesh is still exported)
        session.report.warn(f"{material.name}: could not be converted, its faces get no material "
                            f"({type(error).__name__}: {error})")
        return None

