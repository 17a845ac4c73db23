"""MaterialX nodes of OpenPBR materials checked against MaterialX's own node definitions: each ND_*
id must be a standard-library node, each authored input one of its inputs with a matching type, and
the network must not loop. The definitions come from the `MaterialX` Python package (Blender's, or
the `materialx` wheel); without it the ids go unchecked and a warning says so."""
from functools import lru_cache

from pxr import UsdShade

from .finding import COMPOSED, rule
from .materials import MATERIALX_PREFIX, SHADER_TYPES, enclosing_material, openpbr_surface, shader_id, sources

# MaterialX type -> the USD value types that carry it.
USD_TYPES = {
    "float": {"float"}, "integer": {"int"}, "boolean": {"bool"}, "string": {"string"}, "filename": {"asset"},
    "color3": {"color3f"}, "color4": {"color4f"}, "vector2": {"float2", "texCoord2f"},
    "vector3": {"float3", "vector3f", "normal3f", "point3f"}, "vector4": {"float4"},
    "matrix33": {"matrix3d"}, "matrix44": {"matrix4d"},
}


@lru_cache(maxsize=1)
def node_definitions():
    """The MaterialX standard libraries as one document, or None without the MaterialX package."""
    try:
        import MaterialX as mx
    except ImportError:
        return None
    library = mx.createDocument()
    mx.loadLibraries(mx.getDefaultDataLibraryFolders(), mx.getDefaultDataSearchPath(), library)
    return library if library.getNodeDefs() else None


def _materialx_shaders(subject):
    for prim in subject.prims:
        if prim.IsA(UsdShade.Shader) and shader_id(prim).startswith(MATERIALX_PREFIX):
            material = enclosing_material(prim)
            if material and openpbr_surface(material):  # elsewhere shader_ids already rejects it
                yield prim


@rule(COMPOSED)
def materialx_nodes(subject):
    """ND_* ids and their inputs as MaterialX defines them; no loops between nodes."""
    shaders = list(_materialx_shaders(subject))
    if not shaders:
        return
    library = node_definitions()
    if library is None:
        yield subject.warning("miris:MaterialXNode", "", "the MaterialX Python package is not available: "
                              "MaterialX node ids and inputs are not checked", SHADER_TYPES)
    for prim in shaders:
        sid = shader_id(prim)
        if library is not None:
            yield from _check_inputs(subject, prim, sid, library)
        if _loops(prim):
            yield subject.error("miris:MaterialXNode", prim.GetPath(), f"MaterialX node {sid} feeds itself "
                                "through its inputs (a cycle)", SHADER_TYPES)


def _check_inputs(subject, prim, sid, library):
    nodedef = library.getNodeDef(sid)
    if nodedef is None:
        yield subject.error("miris:MaterialXNode", prim.GetPath(), f"{sid} is not a node of MaterialX's "
                            "standard libraries", SHADER_TYPES)
        return
    for usd_input in UsdShade.Shader(prim).GetInputs():
        name = usd_input.GetBaseName()
        mx_input = nodedef.getActiveInput(name)
        if mx_input is None:
            yield subject.error("miris:MaterialXNode", usd_input.GetAttr().GetPath(), f"{sid} has no input "
                                f"{name!r}", SHADER_TYPES)
            continue
        usd_type = str(usd_input.GetTypeName())
        if usd_type not in USD_TYPES.get(mx_input.getType(), {usd_type}):
            yield subject.error("miris:MaterialXNode", usd_input.GetAttr().GetPath(), f"input {name!r} of {sid} "
                                f"is {usd_type}, MaterialX defines it as {mx_input.getType()}", SHADER_TYPES)


def _loops(start):
    """Whether `start` is reachable from its own inputs."""
    seen, stack = set(), [start]
    while stack:
        prim = stack.pop()
        for usd_input in UsdShade.Shader(prim).GetInputs():
            for source, _name in sources(usd_input):
                if source == start:
                    return True
                if source.GetPath() not in seen and source.IsA(UsdShade.Shader):
                    seen.add(source.GetPath())
                    stack.append(source)
    return False
