"""Authoring straight into a layer's specs, what the Usd schema calls (Define, CreateInput,
ConnectToSource, Set, Apply, Bind) would author, without a stage: the writers author the export's
layer this way (see ExportSession.stage), where each Usd call would make a stage compose or notify
anew. The specs are those the Usd calls write, so the file is the same either way. Changes are
grouped in `Sdf.ChangeBlock`s, so that a stage open on the layer (hooks) composes once."""
from pxr import Sdf

_UNIFORM = Sdf.VariabilityUniform


def define(layer, path, type_name):
    """The prim spec at `path`, a `def` of `type_name`; missing parents become `over`s, as Usd makes them."""
    spec = Sdf.CreatePrimInLayer(layer, path)
    spec.specifier = Sdf.SpecifierDef
    spec.typeName = type_name
    return spec


def define_once(layer, path, type_name):
    """`define`, unless the prim is defined with that type already (a change to the layer costs
    more than looking)."""
    spec = layer.GetPrimAtPath(path)
    if spec is None or spec.specifier != Sdf.SpecifierDef or spec.typeName != type_name:
        spec = define(layer, path, type_name)
    return spec


def attribute(spec, name, type_name, value=None, uniform=False):
    """A new non-custom attribute spec, with `value` as its default unless None."""
    attr = Sdf.AttributeSpec(spec, name, type_name, _UNIFORM if uniform else Sdf.VariabilityVarying)
    if value is not None:
        attr.default = value
    return attr


def connect(attr, source):
    """Connects `attr` to the property path `source`, replacing its connections (ConnectToSource)."""
    attr.connectionPathList.explicitItems = [source]


def apply_schema(spec, schema):
    """Adds the applied API schema `schema` (a name such as "MaterialBindingAPI") as Usd's Apply does:
    to an explicit list where there is one, else prepended, once."""
    ops = spec.GetInfo("apiSchemas")
    if ops.isExplicit:
        if schema not in ops.explicitItems:
            ops.explicitItems = [*ops.explicitItems, schema]
    elif schema in ops.prependedItems:
        return
    else:
        ops.deletedItems = [item for item in ops.deletedItems if item != schema]
        ops.prependedItems = [*ops.prependedItems, schema]
    spec.SetInfo("apiSchemas", ops)


def relationship(spec, name, targets):
    """The relationship `name` of the prim `spec` (made, not custom, if need be) targets `targets`
    (SetTargets)."""
    rel = spec.relationships.get(name) or Sdf.RelationshipSpec(spec, name, custom=False)
    rel.targetPathList.explicitItems = targets


def bind(spec, material_path):
    """Binds the material at `material_path` to the prim `spec` (MaterialBindingAPI Apply and Bind,
    all purposes, the fallback strength, which is not written)."""
    apply_schema(spec, "MaterialBindingAPI")
    relationship(spec, "material:binding", [material_path])
