"""A scene that references asset files (option linked_as_references), with bindings that survive.

A file referenced by its default prim brings only its `/Root`; its `/Materials` stays behind,
and USD drops every binding that points there. So the referencing file:
- references the asset's `</Materials>` under its own `/Materials/<asset>`, once per asset;
- authors, on every prim of the reference that the asset binds, a binding to the same material
  under `/Materials/<asset>`: its own, stronger opinion, resolved inside the referencing file
  (a copy the asset instances is made non-instanceable here, as a file can only author inside
  an instance through its prototype, whose arcs live in the asset);
- deactivates the light the exporter added to the asset because it had none, so the scene is
  lit by its own lights.
"""
from dataclasses import dataclass

from pxr import Sdf, Usd

from ..validate.composition import is_binding
from . import specs
from .stage import MATERIALS


@dataclass(frozen=True)
class AssetShape:
    """What the referencing file needs to know of an asset file, paths relative to its default
    prim (prims) and to its /Materials (materials)."""
    bindings: tuple  # (prim path, relationship name, (material path, ...))
    instances: tuple  # instance prims holding a bound prim
    default_light: str  # the added light's path, or ""


def read_shape(path, default_light=""):
    """The AssetShape of the asset file at `path`, from its own composed stage."""
    stage = Usd.Stage.Open(path, Usd.Stage.LoadAll)
    root = stage.GetDefaultPrim()
    bindings, instances = [], set()
    for prim in Usd.PrimRange(root, Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)):
        for rel in prim.GetRelationships():
            if not is_binding(rel.GetName()):
                continue
            targets = tuple(t.MakeRelativePath(MATERIALS) for t in rel.GetTargets() if t.HasPrefix(MATERIALS))
            if not targets:
                continue
            bindings.append((prim.GetPath().MakeRelativePath(root.GetPath()), rel.GetName(), targets))
            holder = prim
            while holder.IsInstanceProxy():
                holder = holder.GetParent()
                if holder.IsInstance():
                    instances.add(holder.GetPath().MakeRelativePath(root.GetPath()))
    light = Sdf.Path(default_light).MakeRelativePath(root.GetPath()) if default_light else ""
    return AssetShape(tuple(bindings), tuple(sorted(instances)), str(light))


def reference_materials(layer, names, asset_path, name):
    """Defines `/Materials/<name>` as a reference to the asset's `</Materials>` (and `/Materials`,
    when the file has no material of its own); returns its path."""
    if not layer.GetPrimAtPath(MATERIALS):
        specs.define(layer, MATERIALS, "Scope")
    path = MATERIALS.AppendChild(names.claim(MATERIALS, name))
    spec = specs.define(layer, path, "Scope")
    spec.referenceList.Prepend(Sdf.Reference(asset_path, MATERIALS))
    return path


def reference_asset(layer, path, asset_path, shape, materials):
    """Defines `path` as an Xform referencing the asset file's default prim, its bindings made again
    to the materials under `materials`, its added light deactivated. Returns the prim spec."""
    spec = specs.define(layer, path, "Xform")
    spec.referenceList.Prepend(Sdf.Reference(asset_path))
    for instance in shape.instances:
        Sdf.CreatePrimInLayer(layer, path.AppendPath(instance)).instanceable = False
    for prim_path, name, targets in shape.bindings:
        over = Sdf.CreatePrimInLayer(layer, path.AppendPath(prim_path))
        rel = Sdf.RelationshipSpec(over, name, custom=False)
        rel.targetPathList.explicitItems = [materials.AppendPath(t) for t in targets]
    if shape.default_light:
        Sdf.CreatePrimInLayer(layer, path.AppendPath(shape.default_light)).active = False
    return spec

