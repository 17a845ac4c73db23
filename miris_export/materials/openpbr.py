"""A material's MaterialX OpenPBR Surface (option `materialx`), beside its UsdPreviewSurface.

The shader is a Shader with `info:id = ND_open_pbr_surface_surfaceshader` inside the Material, its
`out` connected to the Material's `outputs:mtlx:surface`. A Principled BSDF maps almost one to one
(see PRINCIPLED); any other shader starts from the UsdPreviewSurface constants (see FROM_PREVIEW).
Inputs fed by links (textures, procedurals) keep OpenPBR's default, with a report line.
"""
from pxr import Gf, Sdf

from ..usd import specs
from ..usd.textures import write_texture
from .nodes import active_output, input_source
from .surface import NORMAL_BIAS, NORMAL_SCALE, TextureInput, _uses_nodes

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

# OpenPBR input: the UsdPreviewSurface texture channel it takes its image from, the same file.
TEXTURED = {"base_color": "diffuseColor", "base_metalness": "metallic", "specular_roughness": "roughness",
            "emission_color": "emissiveColor", "geometry_normal": "normal"}
ADDRESS = {"repeat": "periodic", "clamp": "clamp", "black": "constant", "mirror": "mirror"}
COLOR_SPACE = {"sRGB": "srgb_texture", "raw": "lin_rec709"}
_CHANNEL = {"r": 0, "g": 1, "b": 2, "a": 3}
_T = Sdf.ValueTypeNames


def define_openpbr(session, path, material, surface, varnames):
    """Adds the OpenPBR Surface of the Blender `material` (its Surface read as `surface`) to the Material at `path`;
    textures read the primvars `varnames` names, as the UsdPreviewSurface network's do."""
    values = _from_preview(surface)
    principled = _principled(material)
    linked = {}  # OpenPBR input -> the Principled socket whose link it cannot follow
    if principled is not None:
        node, groups = principled
        for name, (socket_name, _type, convert) in PRINCIPLED.items():
            source = input_source(node, socket_name, groups)
            if source is None:
                continue
            if source.node is not None:
                linked[name] = socket_name
                values.pop(name, None)
                continue
            value = source.socket.default_value
            value = tuple(value)[:3] if _type == _C else float(value)
            values[name] = convert(value) if convert else value
        if values.get("thin_film_thickness", 0.0) > 0.0:
            values["thin_film_weight"] = 1.0
    layer = session.layer
    shader_path = path.AppendChild(session.names.claim(path, "OpenPBRSurface"))
    with Sdf.ChangeBlock():  # a stage open composes once; specs in the order the Usd calls made them
        shader = specs.define(layer, shader_path, "Shader")
        specs.attribute(shader, "info:id", _T.Token, OPENPBR_ID, uniform=True)
        for input_name in sorted(values):
            value = values[input_name]
            type_name = _C if isinstance(value, tuple) else _F
            specs.attribute(shader, "inputs:" + input_name, type_name,
                            Gf.Vec3f(*value) if type_name == _C else value)
        network = _Images(session, path, varnames)
        for input_name, preview_name in TEXTURED.items():
            tex = surface.inputs.get(preview_name)
            output = isinstance(tex, TextureInput) and network.output(tex, input_name)
            if output:
                kind = _T.Float3 if input_name == "geometry_normal" else _C if tex.channel == "rgb" else _F
                name = "inputs:" + input_name
                if name in shader.attributes:  # its constant: replaced by the connection
                    shader.RemoveProperty(shader.attributes[name])
                specs.connect(specs.attribute(shader, name, kind), output)
                linked.pop(input_name, None)
        specs.attribute(shader, "outputs:out", _T.Token)
        surface_output = specs.attribute(layer.GetPrimAtPath(path), "outputs:mtlx:surface", _T.Token)
        specs.connect(surface_output, shader_path.AppendProperty("outputs:out"))
    if linked:
        session.report.warn(f"material {material.name!r}: the MaterialX OpenPBR surface keeps its defaults "
                            f"for the linked inputs {', '.join(sorted(set(linked.values())))}")


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


class _Images:
    """The MaterialX image, coordinate and normal-map nodes of one material, each made once. Images
    with a scale or bias other than a normal map's (factors, emission strength) keep the constant.
    Nodes are handed around as the paths of their `out` outputs."""

    def __init__(self, session, path, varnames):
        self.session, self.path, self.varnames = session, path, varnames
        self.layer = session.layer
        self.nodes = {}

    def output(self, tex, input_name):
        normal = input_name == "geometry_normal"
        if (tex.scale, tex.bias) != ((NORMAL_SCALE, NORMAL_BIAS) if normal else
                                     ((1.0,) * 4, (0.0,) * 4)):
            return None
        asset = write_texture(self.session, tex.image)
        if asset is None:
            return None
        coords = self._node("TexCoord", "ND_geompropvalue_vector2", _T.Float2,
                            geomprop=(_T.String, self.varnames.get(tex.uv_map, "st")))
        if normal:
            mx_type, out_type = "vector3", _T.Float3
        else:
            mx_type, out_type = ("color3", _C) if tex.channel == "rgb" else ("vector4", _T.Float4)
        image = self._node("Image", f"ND_image_{mx_type}", out_type, file=(_T.Asset, Sdf.AssetPath(asset)),
                           texcoord=(_T.Float2, coords), uaddressmode=(_T.String, ADDRESS[tex.wrap]),
                           vaddressmode=(_T.String, ADDRESS[tex.wrap]))
        file = self.layer.GetAttributeAtPath(image.GetPrimPath().AppendProperty("inputs:file"))
        file.colorSpace = COLOR_SPACE[tex.color_space]
        if normal:
            return self._node("NormalMap", "ND_normalmap_float", _T.Float3, **{"in": (out_type, image)})
        if tex.channel == "rgb":
            return image
        return self._node("Extract", "ND_extract_vector4", _F, **{"in": (out_type, image)},
                          index=(_T.Int, _CHANNEL[tex.channel]))

    def _node(self, name, node_id, out_type, **inputs):
        """The Shader `node_id` with `inputs` ({name: (type, value or the path of an output to
        connect)}), made once; returns the path of its `out`."""
        key = (node_id, tuple(sorted((k, str(v[0]), repr(v[1])) for k, v in inputs.items())))
        output = self.nodes.get(key)
        if output is None:
            prim_name = self.session.names.claim(self.path, name)
            node = specs.define(self.layer, self.path.AppendChild(prim_name), "Shader")
            specs.attribute(node, "info:id", _T.Token, node_id, uniform=True)
            for input_name, (type_name, value) in sorted(inputs.items()):
                if isinstance(value, Sdf.Path):
                    specs.connect(specs.attribute(node, "inputs:" + input_name, type_name), value)
                else:
                    specs.attribute(node, "inputs:" + input_name, type_name, value)
            specs.attribute(node, "outputs:out", out_type)
            output = self.nodes[key] = node.path.AppendProperty("outputs:out")
        return output
