"""A Blender material read as UsdPreviewSurface inputs: constants, and image textures where the spec allows.

Only the specification's texture channels (base colour, roughness, metallic,
normal, emission) take textures; any other link, and anything this reader
cannot express (procedural textures, colour attributes, window or camera
coordinates...), falls back to the input's constant value with a report line.
"""
from dataclasses import dataclass, field, replace
from typing import Any

from ..usd import udim
from . import coordinates, factors
from .nodes import active_output, input_source, shader_group, upstream

TEXTURED = {"diffuseColor", "roughness", "metallic", "normal", "emissiveColor"}
WRAP = {"REPEAT": "repeat", "EXTEND": "clamp", "CLIP": "black", "MIRROR": "mirror"}
LUMINANCE = (0.2126, 0.7152, 0.0722)  # Blender's implicit colour-to-float conversion
BLACK = (0.0, 0.0, 0.0)
NORMAL_SCALE, NORMAL_BIAS = (2.0, 2.0, 2.0, 1.0), (-1.0, -1.0, -1.0, 0.0)


@dataclass(frozen=True)
class TextureInput:
    """An input read from an image: `channel` of a UsdUVTexture ('rgb', 'r', 'g', 'b' or 'a')."""

    image: Any  # the original bpy Image
    channel: str
    uv_map: Any  # a UV map name ("" for the active render map) or a coordinates expression
    wrap: str
    color_space: str  # "sRGB" or "raw"
    fallback: Any  # the constant used when the file cannot be had
    scale: tuple = (1.0, 1.0, 1.0, 1.0)
    bias: tuple = (0.0, 0.0, 0.0, 0.0)


@dataclass
class Surface:
    """UsdPreviewSurface inputs by name: a float, an RGB tuple or a TextureInput."""

    inputs: dict = field(default_factory=dict)
    # Texture channels whose source cannot be expressed and could be baked: USD input name ->
    # (shader node name, its input name, the factor applied after it); top-level shader nodes only.
    bakeable: dict = field(default_factory=dict)

    @property
    def uv_maps(self):
        return sorted({v.uv_map for v in self.inputs.values() if isinstance(v, TextureInput)}, key=repr)


def read_surface(material, report, udim="atlas"):
    """The Surface of a Blender material (the original data-block); `udim` is the option of that name:
    with "atlas", UDIM textures read their coordinates remapped into the atlas."""
    return _Reader(material, report, udim).surface()


def with_baked(surface, baked):
    """`surface` with the inputs of `baked` ({USD input: (image, UV map)}) read from those images,
    their factors (emission strength) as the textures' scale."""
    inputs = dict(surface.inputs)
    for name, (image, uv_map) in baked.items():
        _, _, factor = surface.bakeable[name]
        fallback = inputs.get(name)
        if name == "normal":
            scale, bias, channel = NORMAL_SCALE, NORMAL_BIAS, "rgb"
        else:
            scale, bias = _scale4(factor) or (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0)
            channel = "rgb" if name.endswith("Color") else "r"
        inputs[name] = TextureInput(image=image, channel=channel, uv_map=uv_map, wrap="repeat",
                                    color_space=image_color_space(image), fallback=fallback, scale=scale, bias=bias)
    return Surface(inputs, {})


def viewport_surface(material):
    """The material's viewport display values: what the Solid view shows."""
    r, g, b, a = material.diffuse_color
    inputs = {"diffuseColor": (r, g, b), "metallic": material.metallic, "roughness": material.roughness}
    if a < 1.0:
        inputs["opacity"] = a
    return Surface(inputs)


class _Reader:
    def __init__(self, material, report, udim="atlas"):
        self.material = material
        self.report = report
        self.udim = udim
        self.bakeable = {}

    def warn(self, what):
        self.report.warn(f"material {self.material.name!r}: {what}")

    def surface(self):
        tree = self.material.node_tree
        if tree is None or not _uses_nodes(self.material):
            return viewport_surface(self.material)
        output = active_output(tree)
        source = output and input_source(output, "Surface")
        inputs = self.shader(source) if source is not None and source.node is not None else None
        if inputs is None:
            self.warn("no Principled, Diffuse, Glossy, Emission or Mix shader reaches the output; its "
                      "viewport display colour, metallic and roughness are used")
            return viewport_surface(self.material)
        return Surface(inputs, self.bakeable)

    # Shaders -------------------------------------------------------------------------------------

    def shader(self, source):
        """Inputs for the shader node at `source`, or None when it is not one this reader knows."""
        read = _SHADERS.get(source.node.type)
        return read(self, source.node, source.groups) if read else None

    def _bsdf_principled(self, node, groups):
        inputs = {
            "diffuseColor": self.value(node, "Base Color", groups, "diffuseColor"),
            "metallic": self.value(node, "Metallic", groups, "metallic"),
            "roughness": self.value(node, "Roughness", groups, "roughness"),
            "ior": self.value(node, "IOR", groups, "ior"),
            "clearcoat": self.value(node, "Coat Weight", groups, "clearcoat"),
            "clearcoatRoughness": self.value(node, "Coat Roughness", groups, "clearcoatRoughness"),
        }
        inputs.update(self.opacity(node, groups))
        inputs["emissiveColor"] = self.emission(node, "Emission Color", "Emission Strength", groups)
        normal = self.normal(node, groups)
        if normal is not None:
            inputs["normal"] = normal
        self._specular(node, groups, inputs)
        return inputs

    def _bsdf_diffuse(self, node, groups):
        # No specular lobe at all: the specular workflow with a black specular colour.
        return {"diffuseColor": self.value(node, "Color", groups, "diffuseColor"), "roughness": 1.0,
                "useSpecularWorkflow": 1, "specularColor": BLACK, **self._normal_entry(node, groups)}

    def _bsdf_glossy(self, node, groups):
        return {"diffuseColor": self.value(node, "Color", groups, "diffuseColor"), "metallic": 1.0,
                "roughness": self.value(node, "Roughness", groups, "roughness"),
                **self._normal_entry(node, groups)}

    def _emission(self, node, groups):
        return {"diffuseColor": BLACK, "emissiveColor": self.emission(node, "Color", "Strength", groups)}

    def _bsdf_transparent(self, node, groups):
        return {"diffuseColor": BLACK, "opacity": 0.0}

    def _mix_shader(self, node, groups):
        fac = self.value(node, "Fac", groups, "mix factor")
        first, second = (self._side(upstream(s, groups)) for s in node.inputs[1:3])
        if first is None and second is None:
            return None
        return _mix(first or {}, second or {}, fac, self.warn)

    def _add_shader(self, node, groups):
        first, second = (self._side(upstream(s, groups)) for s in node.inputs[:2])
        if first is None or second is None:
            return first or second
        emissive = [s for s in (first, second) if set(s) == {"diffuseColor", "emissiveColor"}]
        if emissive:  # an emission added to a surface
            other = second if emissive[0] is first else first
            return {**other, "emissiveColor": emissive[0]["emissiveColor"]}
        self.warn("an Add Shader of two surfaces is exported as their even mix")
        return _mix(first, second, 0.5, self.warn)

    def _group(self, node, groups):
        if shader_group(node) == "glTF Metallic Roughness":
            return self._gltf_metallic_roughness(node, groups)
        return None

    def _gltf_metallic_roughness(self, node, groups):
        """The older glTF exporter's group: factors multiply their textures; metallic and roughness
        are the blue and green channels of one image; AlphaMode 1 is alpha clip at AlphaCutoff."""
        def factor(name, kind):
            return constant(node.inputs[name], kind)

        inputs = {
            "diffuseColor": self.value(node, "BaseColor", groups, "diffuseColor",
                                       factor=factor("BaseColorFactor", "color")),
            "metallic": self.value(node, "MetallicRoughness", groups, "metallic", "float", "b",
                                   factor("MetallicFactor", "float")),
            "roughness": self.value(node, "MetallicRoughness", groups, "roughness", "float", "g",
                                    factor("RoughnessFactor", "float")),
            "emissiveColor": self.value(node, "Emissive", groups, "emissiveColor",
                                        factor=factor("EmissiveFactor", "color")),
            "opacity": self.value(node, "Alpha", groups, "opacity"),
        }
        if factor("AlphaMode", "float") >= 0.5:
            inputs["opacityThreshold"] = factor("AlphaCutoff", "float")
        normal = self.normal_texture(input_source(node, "Normal", groups))
        if normal is not None:
            inputs["normal"] = normal
            if factor("NormalScale", "float") != 1.0:
                self.warn("the normal map's scale is not expressible in UsdPreviewSurface; it is exported at 1")
        return inputs

    def _side(self, source):
        return None if source.node is None else self.shader(source)

    # Inputs --------------------------------------------------------------------------------------

    def value(self, node, name, groups, usd_name, kind=None, channel=None, factor=None):
        """The constant or texture for `node`'s input `name`, as the UsdPreviewSurface input `usd_name`,
        times `factor` (a float or RGB, a texture's scale); `channel` picks an image's channel."""
        socket = node.inputs.get(name)
        if socket is None:  # a node of another Blender version
            return None
        kind = kind or ("color" if usd_name.endswith("Color") else "float")
        source = upstream(socket, groups)
        if source.node is None:
            return _times(constant(source.socket, kind), factor)
        fallback = _times(constant(socket, kind), factor)
        if usd_name not in TEXTURED:
            self.warn(f"{name} is driven by {source.node.bl_label!r}; only base colour, roughness, metallic, "
                      f"normal and emission take textures, so its constant {_fmt(fallback)} is used")
            return fallback
        source, scale, bias, approximate = factors.peel(source, kind, self.warn)
        scale, bias = factors.compose(scale, bias, _scale4(factor))
        texture = self.texture(source, kind, name, fallback, channel=channel, scale=scale, bias=bias)
        if texture is None or approximate:  # baking, when asked for, gives the exact values
            self._bakeable(usd_name, node, name, groups, factor)
        return fallback if texture is None else texture

    def _bakeable(self, usd_name, node, name, groups, factor=None):
        if not groups:  # baking relinks the shader's input, which it can only do in the material's own tree
            self.bakeable[usd_name] = (node.name, name, factor)

    def texture(self, source, kind, name, fallback, color_space=None, scale=None, bias=None, channel=None):
        """A TextureInput for an image (or one of its channels) at `source`, or None with a report line."""
        node = source.node
        if node.type == "TEX_IMAGE":
            if source.socket.identifier == "Alpha":
                channel = "a"
            elif channel is None:
                channel = "rgb" if kind == "color" else "r"
        elif node.type in {"SEPARATE_COLOR", "SEPRGB"} and kind == "float" and \
                getattr(node, "mode", "RGB") == "RGB":
            channel = {"Red": "r", "Green": "g", "Blue": "b", "R": "r", "G": "g", "B": "b"}.get(
                source.socket.identifier)
            source = input_source(node, node.inputs[0].name, source.groups)
            node = source.node
            if node is None or node.type != "TEX_IMAGE" or source.socket.identifier != "Color":
                node = None
        if node is None or channel is None or (kind == "color" and channel == "a"):
            what = source.node.bl_label if source.node is not None else "a constant"
            self.warn(f"{name} is driven by {what!r}, which cannot be expressed as a texture; its constant "
                      f"{_fmt(fallback)} is used")
            return None
        if node.image is None:
            self.warn(f"the Image Texture node {node.name!r} feeding {name} has no image; its constant "
                      f"{_fmt(fallback)} is used")
            return None
        uv_map = self.uv_map(node, source.groups, name)
        if uv_map is None:
            return None
        image = node.image
        if image.source == "TILED" and self.udim == "atlas":
            uv_map = coordinates.in_udim_atlas(uv_map, udim.layout(image))
        return TextureInput(image=getattr(image, "original", image), channel=channel, uv_map=uv_map,
                            wrap=WRAP.get(node.extension, "repeat"),
                            color_space=color_space or image_color_space(image), fallback=fallback,
                            scale=scale or (1.0, 1.0, 1.0, 1.0), bias=bias or (0.0, 0.0, 0.0, 0.0))

    def uv_map(self, image_node, groups, name):
        """The coordinates an Image Texture node reads: a UV map name ("" for the active render map),
        an expression computed per corner (coordinates.read_chain), or None when they cannot be
        computed (window, camera, reflection... coordinates)."""
        try:
            return coordinates.read_chain(image_node, groups)
        except coordinates.Unevaluable as why:
            self.warn(f"{name}: the texture coordinates of {image_node.name!r} come from {why}, which cannot "
                      "be written as a UV primvar; its constant is used")
            return None

    def emission(self, node, color_name, strength_name, groups):
        """Emission colour times strength; a texture's strength goes into its scale."""
        strength = self.value(node, strength_name, groups, "emission strength")
        if not strength:
            return BLACK
        return self.value(node, color_name, groups, "emissiveColor", factor=strength)

    def normal(self, node, groups):
        source = input_source(node, "Normal", groups)
        if source is None or source.node is None:
            return None
        normal_map = source.node
        if normal_map.type != "NORMAL_MAP" or normal_map.space != "TANGENT":
            what = f"{normal_map.bl_label} ({normal_map.space.lower()} space)" \
                if normal_map.type == "NORMAL_MAP" else normal_map.bl_label
            self.warn(f"Normal is driven by {what!r}; only a tangent-space Normal Map node with an image "
                      "is exported, so the normal is left as it is")
            self._bakeable("normal", node, "Normal", groups)
            return None
        strength = self.value(normal_map, "Strength", source.groups, "normal strength")
        texture = self.normal_texture(input_source(normal_map, "Color", source.groups))
        if texture is not None and strength != 1.0:
            texture = self._normal_strength(texture, max(strength, 0.0))
        if texture is not None and normal_map.uv_map and not texture.uv_map:
            texture = TextureInput(**{**texture.__dict__, "uv_map": normal_map.uv_map})
        return texture

    def normal_texture(self, source):
        """A tangent-space normal map image: raw values mapped from [0, 1] to [-1, 1]."""
        if source.node is None:
            return None
        return self.texture(source, "color", "Normal", None, color_space="raw", scale=NORMAL_SCALE,
                            bias=NORMAL_BIAS)

    def _normal_strength(self, texture, strength):
        """Blender's strength s blends from the surface normal, (0, 0, 1) in tangent space, to the
        map's: (0, 0, 1) + s * (n - (0, 0, 1)), again `texel * scale + bias` (the renderer normalizes).
        OpenUSD's validators hold 8-bit normal maps to the plain (2, 2, 2, 1) and (-1, -1, -1, 0), so
        only float maps (EXR, 16-bit) take the strength."""
        if not texture.image.is_float:
            self.warn(f"the Normal Map node's strength {strength:g} is exported at 1: usdchecker requires "
                      "an 8-bit normal map's scale (2, 2, 2, 1) and bias (-1, -1, -1, 0)")
            return texture
        return replace(texture, scale=(2.0 * strength,) * 3 + (1.0,),
                       bias=(-strength, -strength, 1.0 - 2.0 * strength, 0.0))

    def _normal_entry(self, node, groups):
        normal = self.normal(node, groups)
        return {} if normal is None else {"normal": normal}

    def _specular(self, node, groups, inputs):
        """Specular IOR Level scales the reflectance at normal incidence that UsdPreviewSurface derives
        from `ior`; it is folded into `ior`. A tint has no place in the metallic workflow."""
        level = self.value(node, "Specular IOR Level", groups, "specular")
        ior = inputs.get("ior")
        if level is not None and isinstance(ior, float) and abs(level - 0.5) > 1e-6:
            inputs["ior"] = _ior_for_reflectance(_reflectance(ior) * 2.0 * level)
        tint = self.value(node, "Specular Tint", groups, "specular tint", "color")
        if tint is not None and any(abs(c - 1.0) > 1e-6 for c in tint):
            self.warn(f"Specular Tint {_fmt(tint)} is dropped: UsdPreviewSurface's metallic workflow has no tint")

    def opacity(self, node, groups):
        """Alpha as `opacity`. Alpha clip, which Blender 4.2+ expresses as a Greater Than (or Round)
        Math node before Alpha, becomes `opacityThreshold`; dithered and blended alpha stay plain
        opacity, which UsdPreviewSurface blends."""
        source = input_source(node, "Alpha", groups)
        math = source.node
        if math is None or math.type != "MATH" or math.operation not in {"GREATER_THAN", "ROUND"}:
            return {"opacity": self.value(node, "Alpha", groups, "opacity")}
        if math.operation == "ROUND":
            threshold = 0.5
        else:
            limit = upstream(math.inputs[1], source.groups)
            if limit.node is not None:
                self.warn("the alpha clip threshold is driven by a node; 0.5 is used")
            threshold = constant(limit.socket, "float") if limit.node is None else 0.5
        alpha = self.value(math, math.inputs[0].name, source.groups, "opacity")
        return {"opacity": alpha, "opacityThreshold": threshold}


_SHADERS = {
    "BSDF_PRINCIPLED": _Reader._bsdf_principled, "BSDF_DIFFUSE": _Reader._bsdf_diffuse,
    "BSDF_GLOSSY": _Reader._bsdf_glossy, "EMISSION": _Reader._emission,
    "BSDF_TRANSPARENT": _Reader._bsdf_transparent, "MIX_SHADER": _Reader._mix_shader,
    "ADD_SHADER": _Reader._add_shader, "GROUP": _Reader._group,
}


def constant(socket, kind):
    """The value of an unlinked socket as a float or an RGB tuple."""
    value = getattr(socket, "default_value", None)
    if value is None:
        return BLACK if kind == "color" else 0.0
    if isinstance(value, (int, float)):
        return (float(value),) * 3 if kind == "color" else float(value)
    values = tuple(float(v) for v in value)[:3]
    if kind == "color":
        return values
    return sum(w * v for w, v in zip(LUMINANCE, values))


def image_color_space(image):
    """UsdUVTexture's sourceColorSpace for a Blender image: sRGB, else raw (linear or non-colour data)."""
    name = image.colorspace_settings.name
    return "sRGB" if name.lower().startswith("srgb") else "raw"


def _uses_nodes(material):
    # `use_nodes` is deprecated from Blender 5.0, where materials always use their node tree.
    import bpy

    return bpy.app.version >= (5, 0, 0) or material.use_nodes


def _mix(first, second, fac, warn):
    """Shader mix `(1 - fac) * first + fac * second`, constant inputs blended, textures from the
    dominant side; a Transparent BSDF side becomes opacity."""
    transparent = {"diffuseColor": BLACK, "opacity": 0.0}
    if first == transparent or second == transparent:
        surface, weight = (second, fac) if first == transparent else (first, 1.0 - fac)
        out = dict(surface)
        opacity = out.get("opacity", 1.0)
        out["opacity"] = opacity * weight if isinstance(opacity, float) else weight
        return out
    out = {}
    for name in set(first) | set(second):
        a, b = first.get(name), second.get(name)
        if a is None or b is None:
            out[name] = a if b is None else b
        elif isinstance(a, TextureInput) or isinstance(b, TextureInput):
            if a != b:
                warn(f"a Mix Shader of a textured {name} is exported with the input of its dominant side")
            out[name] = a if fac < 0.5 else b
        elif isinstance(a, tuple):
            out[name] = tuple(x + (y - x) * fac for x, y in zip(a, b))
        else:
            out[name] = a + (b - a) * fac
    return out


def _times(value, factor):
    """`value` (a float or RGB) times `factor` (None, a float or RGB)."""
    if factor is None or value is None:
        return value
    if isinstance(value, tuple):
        factors = factor if isinstance(factor, tuple) else (factor,) * 3
        return tuple(v * f for v, f in zip(value, factors))
    return value * (sum(factor) / 3 if isinstance(factor, tuple) else factor)


def _scale4(factor):
    """A factor as a texture's scale (alpha untouched), None for no factor."""
    if factor is None:
        return None
    rgb = tuple(factor) if isinstance(factor, tuple) else (factor,) * 3
    return (*map(float, rgb), 1.0)


def _reflectance(ior):
    return ((ior - 1.0) / (ior + 1.0)) ** 2


def _ior_for_reflectance(f0):
    r = min(max(f0, 0.0), 0.99) ** 0.5
    return (1.0 + r) / (1.0 - r)


def _fmt(value):
    if isinstance(value, tuple):
        return "(" + ", ".join(f"{v:.3g}" for v in value) + ")"
    return f"{value:.3g}" if isinstance(value, float) else str(value)
