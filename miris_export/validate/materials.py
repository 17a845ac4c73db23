"""Shading networks: UsdPreviewSurface or MaterialX OpenPBR, textures on the listed channels only."""
from pxr import UsdShade

from .finding import COMPOSED, rule

SHADER_TYPES = "Supported Shader Types"
TEXTURES = "Texture Rules"

PREVIEW_SURFACE, UV_TEXTURE, PRIMVAR_READER = "UsdPreviewSurface", "UsdUVTexture", "UsdPrimvarReader_float2"
PREVIEW_IDS = {PREVIEW_SURFACE, UV_TEXTURE, PRIMVAR_READER}
OPENPBR_PREFIX = "ND_open_pbr_surface"
MATERIALX_PREFIX = "ND_"
MATERIALX_TEXTURE_PREFIXES = ("ND_image_", "ND_tiledimage_", "ND_hextiledimage_", "ND_gltf_image_")

# The specification's texture channels (BaseColor, Roughness, Metallic, Normal, Emission) as the
# inputs of each surface they may feed.
TEXTURED_INPUTS = {
    PREVIEW_SURFACE: {"diffuseColor", "roughness", "metallic", "normal", "emissiveColor"},
    OPENPBR_PREFIX: {"base_color", "specular_roughness", "base_metalness", "geometry_normal", "emission_color"},
}
# Render contexts of Material outputs: universal ("surface") and MaterialX ("mtlx:surface").
OUTPUT_CONTEXTS = {"", "mtlx"}


def shader_id(prim):
    shader = UsdShade.Shader(prim)
    return shader.GetShaderId() or "" if shader else ""


def sources(attr):
    """The outputs an input or output is connected to, as (prim, output name)."""
    connected, _invalid = attr.GetConnectedSources()
    return [(info.source.GetPrim(), info.sourceName) for info in connected]


def upstream_shaders(attr, seen=None):
    """Every Shader prim feeding `attr`, through node graphs and material interface inputs."""
    seen = set() if seen is None else seen
    for prim, name in sources(attr):
        if prim.GetPath() in seen:
            continue
        if prim.IsA(UsdShade.Shader):
            seen.add(prim.GetPath())
            yield prim
            for shader_input in UsdShade.Shader(prim).GetInputs():
                yield from upstream_shaders(shader_input, seen)
        else:  # a node graph's output or a material's interface input
            connectable = UsdShade.ConnectableAPI(prim)
            for port in (connectable.GetOutput(name), connectable.GetInput(name)):
                if port:
                    yield from upstream_shaders(port, seen)


def openpbr_surface(material):
    """The OpenPBR surface shader behind a Material's MaterialX output, or None."""
    output = material.GetSurfaceOutput("mtlx")
    if not output:
        return None
    for prim, _name in sources(output):
        if prim.IsA(UsdShade.Shader) and shader_id(prim).startswith(OPENPBR_PREFIX):
            return prim
    return None


def enclosing_material(prim):
    while prim and not prim.IsA(UsdShade.Material):
        prim = prim.GetParent()
    return UsdShade.Material(prim) if prim else None


def is_texture(prim):
    return shader_id(prim) == UV_TEXTURE or shader_id(prim).startswith(MATERIALX_TEXTURE_PREFIXES)


@rule(COMPOSED)
def shader_ids(subject):
    """UsdPreviewSurface nodes anywhere; MaterialX (ND_*) nodes only inside an OpenPBR material."""
    for prim in subject.prims:
        if not prim.IsA(UsdShade.Shader):
            continue
        shader = UsdShade.Shader(prim)
        if shader.GetImplementationSource() != UsdShade.Tokens.id:
            yield subject.error("miris:ShaderId", prim.GetPath(), "shader defined by "
                                f"{shader.GetImplementationSource()}, not by a supported info:id", SHADER_TYPES)
            continue
        sid = shader.GetShaderId() or ""
        if sid in PREVIEW_IDS:
            continue
        if sid.startswith(MATERIALX_PREFIX):
            material = enclosing_material(prim)
            if material and openpbr_surface(material):
                continue
            yield subject.error("miris:ShaderId", prim.GetPath(), f"MaterialX node {sid} outside a MaterialX "
                                "OpenPBR material (its outputs:mtlx:surface must be an OpenPBR surface)",
                                SHADER_TYPES)
        else:
            yield subject.error("miris:ShaderId", prim.GetPath(), f"unsupported shader id {sid!r}", SHADER_TYPES)


@rule(COMPOSED)
def material_outputs(subject):
    """Renderer-specific outputs (arnold:, ri:, karma:, ...) are not supported; a material with no
    surface at all renders with a default look, which deserves a warning."""
    for prim in subject.prims:
        if not prim.IsA(UsdShade.Material):
            continue
        material = UsdShade.Material(prim)
        has_surface = False
        for output in material.GetOutputs():
            name = output.GetBaseName()
            context = name.rpartition(":")[0]
            if context not in OUTPUT_CONTEXTS:
                yield subject.error("miris:MaterialOutput", output.GetAttr().GetPath(),
                                    f"renderer-specific material output {output.GetFullName()}", SHADER_TYPES)
            elif name.endswith("surface") and sources(output):
                has_surface = True
        if not has_surface:
            yield subject.warning("miris:MaterialOutput", prim.GetPath(), "the material has no connected "
                                  "surface output", SHADER_TYPES)


def surfaces(subject):
    """(shader prim, the set of its inputs textures may feed) for every surface shader."""
    for prim in subject.prims:
        sid = shader_id(prim) if prim.IsA(UsdShade.Shader) else ""
        if sid == PREVIEW_SURFACE:
            yield prim, TEXTURED_INPUTS[PREVIEW_SURFACE]
        elif sid.startswith(OPENPBR_PREFIX):
            yield prim, TEXTURED_INPUTS[OPENPBR_PREFIX]


@rule(COMPOSED)
def texture_channels(subject):
    for prim, allowed in surfaces(subject):
        for surface_input in UsdShade.Shader(prim).GetInputs():
            if surface_input.GetBaseName() in allowed:
                continue
            textures = [p for p in upstream_shaders(surface_input) if is_texture(p)]
            if textures:
                yield subject.error("miris:TextureChannel", surface_input.GetAttr().GetPath(),
                                    f"texture {textures[0].GetPath()} feeds {surface_input.GetBaseName()}; "
                                    "textures may feed only base color, roughness, metallic, normal and emission",
                                    TEXTURES)


@rule(COMPOSED)
def texture_coordinates(subject):
    """A UsdUVTexture reads its st from a UsdPrimvarReader_float2."""
    for prim in subject.prims:
        if not prim.IsA(UsdShade.Shader) or shader_id(prim) != UV_TEXTURE:
            continue
        st = UsdShade.Shader(prim).GetInput("st")
        if not st or not any(shader_id(p) == PRIMVAR_READER for p in upstream_shaders(st)):
            yield subject.error("miris:TextureCoordinates", prim.GetPath(), "inputs:st is not fed by a "
                                "UsdPrimvarReader_float2", SHADER_TYPES)
