"""A Surface written as a USD Material under /Materials: a UsdPreviewSurface, its UsdUVTextures and
the UsdPrimvarReader_float2 each texture reads its coordinates from, all inside the Material.

The network is authored as specs (usd.specs) in one change block: a stage open on the layer
composes once per material, not once per shader, input and connection."""
from pxr import Gf, Sdf

from ..usd import specs
from ..usd.stage import MATERIALS
from ..usd.textures import write_texture
from .surface import TextureInput

_T = Sdf.ValueTypeNames
SURFACE_INPUTS = {
    "diffuseColor": _T.Color3f, "emissiveColor": _T.Color3f, "specularColor": _T.Color3f,
    "useSpecularWorkflow": _T.Int, "metallic": _T.Float, "roughness": _T.Float, "clearcoat": _T.Float,
    "clearcoatRoughness": _T.Float, "opacity": _T.Float, "opacityThreshold": _T.Float, "ior": _T.Float,
    "normal": _T.Normal3f,
}


def define_material(session, name, surface, varnames):
    """Defines /Materials/<name> for `surface`; `varnames` maps a UV map name ("" for the active
    render map) to the primvar the mesh writer gave it. Returns the Material's path: it may be
    called inside a change block, where a stage open on the layer does not have the prim yet."""
    layer = session.layer
    scope = not layer.GetPrimAtPath(MATERIALS)  # the Scope, made with the first material
    path = MATERIALS.AppendChild(session.names.claim(MATERIALS, name))
    shader_path = path.AppendChild("PreviewSurface")
    session.names.reserve(path, "PreviewSurface")
    with Sdf.ChangeBlock():
        if scope:
            specs.define(layer, MATERIALS, "Scope")
        # In the order the Usd calls make them, which the crate file keeps (a prim's children, then properties).
        material = specs.define(layer, path, "Material")
        shader = specs.define(layer, shader_path, "Shader")
        specs.attribute(shader, "info:id", _T.Token, "UsdPreviewSurface", uniform=True)
        output = specs.attribute(material, "outputs:surface", _T.Token)
        specs.attribute(shader, "outputs:surface", _T.Token)
        specs.connect(output, shader_path.AppendProperty("outputs:surface"))
        network = _Network(session, layer, path, varnames)
        for input_name in sorted(surface.inputs):
            value = surface.inputs[input_name]
            if value is None:
                continue
            type_name = SURFACE_INPUTS[input_name]
            if isinstance(value, TextureInput):
                source = network.texture_output(value, input_name)
                if source is not None:
                    specs.connect(specs.attribute(shader, "inputs:" + input_name, type_name), source)
                    continue
                value = value.fallback
                if value is None:  # a normal map whose file is missing: the geometric normal
                    continue
            specs.attribute(shader, "inputs:" + input_name, type_name, _usd_value(value, type_name))
    session.report.count("Material")
    return path


class _Network:
    """The texture and coordinate-reader shaders of one material, each made once."""

    def __init__(self, session, layer, path, varnames):
        self.session, self.layer, self.path, self.varnames = session, layer, path, varnames
        self.textures, self.readers = {}, {}

    def texture_output(self, tex, input_name):
        """The path of the UsdUVTexture output for `tex`, feeding `input_name`, or None when the image
        file cannot be had."""
        asset = write_texture(self.session, tex.image)
        if asset is None:
            return None
        varname = self.varnames.get(tex.uv_map, "st")
        key = (asset, varname, tex.wrap, tex.color_space, tex.scale, tex.bias)
        shader = self.textures.get(key)
        if shader is None:
            shader = self.textures[key] = self._define_texture(tex, asset, varname, input_name)
        name = "outputs:" + tex.channel
        if name not in shader.attributes:
            specs.attribute(shader, name, _T.Float3 if tex.channel == "rgb" else _T.Float)
        return shader.path.AppendProperty(name)

    def _define_texture(self, tex, asset, varname, input_name):
        # Named after the first input it feeds, as in the specification's example (BaseColorTex):
        # the same few names in every material, which the file stores once.
        name = self.session.names.claim(self.path, input_name[0].upper() + input_name[1:] + "Tex")
        shader = specs.define(self.layer, self.path.AppendChild(name), "Shader")
        specs.attribute(shader, "info:id", _T.Token, "UsdUVTexture", uniform=True)
        specs.attribute(shader, "inputs:file", _T.Asset, Sdf.AssetPath(asset))
        specs.attribute(shader, "inputs:sourceColorSpace", _T.Token, tex.color_space)
        specs.attribute(shader, "inputs:wrapS", _T.Token, tex.wrap)
        specs.attribute(shader, "inputs:wrapT", _T.Token, tex.wrap)
        if tex.scale != (1.0, 1.0, 1.0, 1.0):
            specs.attribute(shader, "inputs:scale", _T.Float4, Gf.Vec4f(*tex.scale))
        if tex.bias != (0.0, 0.0, 0.0, 0.0):
            specs.attribute(shader, "inputs:bias", _T.Float4, Gf.Vec4f(*tex.bias))
        specs.connect(specs.attribute(shader, "inputs:st", _T.Float2), self._reader(varname))
        return shader

    def _reader(self, varname):
        output = self.readers.get(varname)
        if output is None:
            name = self.session.names.claim(self.path, "TexCoordReader" + ("" if varname == "st" else "_" + varname))
            reader = specs.define(self.layer, self.path.AppendChild(name), "Shader")
            specs.attribute(reader, "info:id", _T.Token, "UsdPrimvarReader_float2", uniform=True)
            specs.attribute(reader, "inputs:varname", _T.String, varname)
            specs.attribute(reader, "outputs:result", _T.Float2)
            output = self.readers[varname] = reader.path.AppendProperty("outputs:result")
        return output


def _usd_value(value, type_name):
    if type_name == _T.Int:
        return int(value)
    if type_name == _T.Float:
        return float(value)
    return Gf.Vec3f(*value)
