"""Only the specification's prim types and API schemas; no physics, simulation or render settings."""
from pxr import Usd, UsdLux

from .finding import COMPOSED, rule

GEOMETRY = "Geometry"
UNSUPPORTED = "Unsupported Metadata"

PRIM_TYPES = {
    "Xform", "Scope", "Mesh", "BasisCurves", "Points", "GeomSubset",  # Geometry
    "Camera",  # the specification's scope and appendix
    "Material", "Shader", "NodeGraph",  # Materials (NodeGraph: MaterialX networks)
    "SkelRoot", "Skeleton", "SkelAnimation",  # Skeletal Animation
}
# UsdLux's shaping and shadow APIs are UsdLux schemas, which the specification admits for lights
# (a spot light is a SphereLight with ShapingAPI).
API_SCHEMAS = {"MaterialBindingAPI", "SkelBindingAPI", "ShapingAPI", "ShadowAPI"}

# Physics, simulation and renderer settings, by prim type, applied schema or property namespace.
EXCLUDED_TYPE_PREFIXES = ("Physics", "Physx", "PhysX", "Render")
EXCLUDED_API_PREFIXES = ("Physics", "Physx", "PhysX")
EXCLUDED_NAMESPACES = ("physics:", "physx:", "physxScene:", "rigidBody:", "renderSettings:", "simulation:")


def is_light(prim):
    return prim.HasAPI(UsdLux.LightAPI) or prim.IsA(UsdLux.LightFilter)


def is_excluded_type(type_name):
    return type_name.startswith(EXCLUDED_TYPE_PREFIXES)


def authored_api_schemas(prim):
    """The API schemas applied to the prim beyond those its type carries built in."""
    definition = Usd.SchemaRegistry().FindConcretePrimDefinition(prim.GetTypeName())
    built_in = set(definition.GetAppliedAPISchemas()) if definition else set()
    return [s for s in prim.GetAppliedSchemas() if s not in built_in]


@rule(COMPOSED)
def prim_types(subject):
    """Unlisted types are errors; a typeless prim holds nothing a renderer draws, so it only warns.
    Lights and excluded data have rules of their own."""
    for prim in subject.prims:
        type_name = prim.GetTypeName()
        if type_name in PRIM_TYPES or is_light(prim) or is_excluded_type(type_name):
            continue
        if not type_name:
            yield subject.warning("miris:PrimType", prim.GetPath(), "typeless prim; use an Xform or a Scope",
                                  GEOMETRY)
        else:
            yield subject.error("miris:PrimType", prim.GetPath(), f"unsupported prim type {type_name}", GEOMETRY)


@rule(COMPOSED)
def api_schemas(subject):
    for prim in subject.prims:
        for schema in authored_api_schemas(prim):
            name = schema.split(":")[0]
            if name not in API_SCHEMAS and not name.startswith(EXCLUDED_API_PREFIXES):
                yield subject.error("miris:APISchema", prim.GetPath(), f"unsupported API schema {schema}",
                                    "Conformance")


@rule(COMPOSED)
def excluded_data(subject):
    """Physics, simulation and render-settings data, which the specification excludes."""
    if subject.stage.HasAuthoredMetadata("renderSettingsPrimPath"):
        yield subject.error("miris:ExcludedData", "", "renderSettingsPrimPath is authored; render settings "
                            "are not supported", UNSUPPORTED)
    for prim in subject.prims:
        type_name = prim.GetTypeName()
        if is_excluded_type(type_name):
            yield subject.error("miris:ExcludedData", prim.GetPath(), f"{type_name} prim: physics, simulation "
                                "and render settings are not supported", UNSUPPORTED)
            continue
        for schema in authored_api_schemas(prim):
            if schema.startswith(EXCLUDED_API_PREFIXES):
                yield subject.error("miris:ExcludedData", prim.GetPath(), f"{schema} applied: physics and "
                                    "simulation are not supported", UNSUPPORTED)
        for name in prim.GetAuthoredPropertyNames():
            if name.startswith(EXCLUDED_NAMESPACES):
                yield subject.error("miris:ExcludedData", prim.GetPath().AppendProperty(name),
                                    f"{name.split(':')[0]}: data is not supported", UNSUPPORTED)
