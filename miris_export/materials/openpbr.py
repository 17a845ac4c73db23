"""A material's MaterialX OpenPBR Surface (option `materialx`), beside its UsdPreviewSurface.

The shader is a Shader with `info:id = ND_open_pbr_surface_surfaceshader` inside the Material, its
`out` connected to the Material's `outputs:mtlx:surface`. A Principled BSDF maps almost one to one
(see PRINCIPLED); any other shader starts from the UsdPreviewSurface constants (see FROM_PREVIEW).
Inputs fed by links (textures, procedurals) keep OpenPBR's default, with a report line.
"""
from pxr import Gf, Sdf, UsdShade

from .nodes import active_output, input_source
from .surface import TextureInput, _uses_nodes

OPENPBR_ID = "ND_open_pbr_surface_surfaceshader"
# 1 W/(sr·m²) of radiance at 555 nm is 683 cd/m² (nits): Blender's emission strength 1 on a white
# colour is a radiance of 1 W/(sr·m²), OpenPBR's emission_luminance is in nits.
NITS_PER_STRENGTH = 683.0

_C, _F = Sdf.ValueTypeNames.Color3f, Sdf.ValueTypeNames.Float
# OpenPBR input: (Principled socket, type, conversion of the socket's value). Sockets a Blender
# version lacks (Diffuse Roughness before 4.3) are skipped.
PRINCIPLED = {
    "base_color": ("Base Color", _C, None),
    "base_metalness": ("Metallic", _F, None),
    "base_diffuse_roughness": ("Diffuse Roughness", _F, None),
    "specular_weight": ("Specular IOR Level", _F, lambda v: 2.0 * v),  # Blender's 0.5 is OpenPBR's 1
    "specular_color": ("Specular Tint", _C, None),
    "specular_roughness": ("Roughness", _F, None),
    "specular_ior": ("IOR", _F, None),
    "specular_roughness_anisotropy": ("Anisotropic", _F, None),
    "transmission_weight": ("Transmission Weight", _F, None),
    "transmission_color": ("Base Color", _C, None),  # Blender tints transmission by the base colour
    "subsurface_weight": ("Subsurface Weight", _F, None),
    "subsurface_color": ("Base Color", _C, None),
    "subsurface_radius": ("Subsurface Scale", _F, None),
    "subsurface_radius_scale": ("Subsurface Radius", _C, None),
    "subsurface_scatter_anisotropy": ("Subsurface Anisotropy", _F, None),
    "coat_weight": ("Coat Weight", _F, None),
    "coat_color": ("Coat Tint", _C, None),
    "coat_roughness": ("Coat Roughness", _F, None),
    "coat_ior": ("Coat IOR", _F, None),
    "fuzz_weight": ("Sheen Weight", _F, None),
    "fuzz_color": ("Sheen Tint", _C, None),
    "fuzz_roughness": ("Sheen Roughness", _F, None),
    "emission_color": ("Emission Color", _C, None),
    "emission_luminance": ("Emission Strength", _F, lambda v: NITS_PER_STRENGTH * v),
    "thin_film_thickness": ("Thin Film Thickness", _F, lambda v: v / 1000.0),  # nanometres to micrometres
    "thin_film_ior": ("Thin Film IOR", _F, None),
    "geometry_opacity": ("Alpha", _F, None),
}
# OpenPBR input: UsdPreviewSurface input, for materials without a Principled BSDF.
FROM_PREVIEW = {
    "base_color": "diffuseColor", "base_metalness": "metallic", "specular_roughness": "roughness",
    "specular_ior": "ior", "coat_weight": "clearcoat", "coat_roughness": "clearcoatRoughness",
    "emission_color": "emissiveColor", "geometry_opacity": "opacity",
}


def define_openpbr(session, usd_material, material, surface):
    """Adds the OpenPBR Surface of the Blender `material` (its Surface read as `surface`) to `usd_material`."""
    values = _from_preview(surface)
    principled = _principled(material)
    if principled is not None:
        node, groups = principled
        linked = []
        for name, (socket_name, _type, convert) in PRINCIPLED.items():
            source = input_source(node, socket_name, groups)
            if source is None:
                continue
            if source.node is not None:
                linked.append(socket_name)
                values.pop(name, None)
                continue
            value = source.socket.default_value
            value = tuple(value)[:3] if _type == _C else float(value)
            values[name] = convert(value) if convert else value
        if values.get("thin_film_thickness", 0.0) > 0.0:
            values["thin_film_weight"] = 1.0
        if linked:
            session.report.warn(f"material {material.name!r}: the MaterialX OpenPBR surface keeps its defaults "
                                f"for the linked inputs {', '.join(sorted(set(linked)))}")
    path = usd_material.GetPath()
    name = session.names.claim(path, "OpenPBRSurface")
    shader = UsdShade.Shader.Define(session.stage, path.AppendChild(name))
    shader.CreateIdAttr(OPENPBR_ID)
    for input_name in sorted(values):
        value = values[input_name]
        type_name = _C if isinstance(value, tuple) else _F
        shader.CreateInput(input_name, type_name).Set(Gf.Vec3f(*value) if type_name == _C else value)
    out = shader.CreateOutput("out", Sdf.ValueTypeNames.Token)
    usd_material.CreateSurfaceOutput("mtlx").ConnectToSource(out)
    return shader


def _from_preview(surface):
    values = {}
    for name, preview_name in FROM_PREVIEW.items():
        value = surface.inputs.get(preview_name)
        if isinstance(value, TextureInput):
            value = value.fallback
        if value is not None:
            values[name] = tuple(value) if isinstance(value, (tuple, list)) else float(value)
    if "emission_color" in values:
        values["emission_luminance"] = NITS_PER_STRENGTH
    return values


def _principled(material):
    """(Principled BSDF node, groups entered) feeding the active output's Surface, or None."""
    tree = material.node_tree if _uses_nodes(material) else None
    output = tree and active_output(tree)
    source = output and input_source(output, "Surface")
    if source is None or source.node is None or source.node.type != "BSDF_PRINCIPLED":
        return None
    return source.node, source.groups
