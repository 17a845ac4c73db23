"""A Surface written as a USD Material under /Materials: a UsdPreviewSurface, its UsdUVTextures and
the UsdPrimvarReader_float2 each texture reads its coordinates from, all inside the Material."""
from pxr import Gf, Sdf, UsdShade

from ..usd.stage import MATERIALS, materials_scope
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
    render map) to the primvar the mesh writer gave it. Returns the UsdShade.Material."""
    stage = session.stage
    materials_scope(stage)
    path = MATERIALS.AppendChild(session.names.claim(MATERIALS, name))
    material = UsdShade.Material.Define(stage, path)
    shader = UsdShade.Shader.Define(stage, path.AppendChild("PreviewSurface"))
    session.names.reserve(path, "PreviewSurface")
    shader.CreateIdAttr("UsdPreviewSurface")
    material.CreateSurfaceOutput().ConnectToSource(shader.ConnectableAPI(), "surface")
    network = _Network(session, path, varnames)
    for input_name in sorted(surface.inputs):
        value = surface.inputs[input_name]
        if value is None:
            continue
        usd_input = shader.CreateInput(input_name, SURFACE_INPUTS[input_name])
        if isinstance(value, TextureInput):
            output = network.texture_output(value, input_name)
            if output is not None:
                usd_input.ConnectToSource(output)
                continue
            value = value.fallback
            if value is None:  # a normal map whose file is missing: the geometric normal
                shader.GetPrim().RemoveProperty(usd_input.GetAttr().GetName())
                continue
        usd_input.Set(_usd_value(value, SURFACE_INPUTS[input_name]))
    session.report.count("Material")
    return material


class _Network:
    """The texture and coordinate-reader shaders of one material, each made once."""

    def __init__(self, session, path, varnames):
        self.session, self.path, self.varnames = session, path, varnames
        self.textures, self.readers = {}, {}

    def texture_output(self, tex, input_name):
        """The UsdUVTexture output for `tex`, feeding `input_name`, or None when the image file cannot be had."""
        asset = write_texture(self.session, tex.image)
        if asset is None:
            return None
        varname = self.varnames.get(tex.uv_map, "st")
        key = (asset, varname, tex.wrap, tex.color_space, tex.scale, tex.bias)
        shader = self.textures.get(key)
        if shader is None:
            shader = self.textures[key] = self._define_texture(tex, asset, varname, input_name)
        channel_type = _T.Float3 if tex.channel == "rgb" else _T.Float
        return shader.CreateOutput(tex.channel, channel_type)

    def _define_texture(self, tex, asset, varname, input_name):
        # Named after the first input it feeds, as in the specification's example (BaseColorTex):
        # the same few names in every material, which the file stores once.
        name = self.session.names.claim(self.path, input_name[0].upper() + input_name[1:] + "Tex")
        shader = UsdShade.Shader.Define(self.session.stage, self.path.AppendChild(name))
        shader.CreateIdAttr("UsdUVTexture")
        shader.CreateInput("file", _T.Asset).Set(Sdf.AssetPath(asset))
        shader.CreateInput("sourceColorSpace", _T.Token).Set(tex.color_space)
        shader.CreateInput("wrapS", _T.Token).Set(tex.wrap)
        shader.CreateInput("wrapT", _T.Token).Set(tex.wrap)
        if tex.scale != (1.0, 1.0, 1.0, 1.0):
            shader.CreateInput("scale", _T.Float4).Set(Gf.Vec4f(*tex.scale))
        if tex.bias != (0.0, 0.0, 0.0, 0.0):
            shader.CreateInput("bias", _T.Float4).Set(Gf.Vec4f(*tex.bias))
        shader.CreateInput("st", _T.Float2).ConnectToSource(self._reader(varname))
        return shader

    def _reader(self, varname):
        output = self.readers.get(varname)
        if output is None:
            name = self.session.names.claim(self.path, "TexCoordReader" + ("" if varname == "st" else "_" + varname))
            reader = UsdShade.Shader.Define(self.session.stage, self.path.AppendChild(name))
            reader.CreateIdAttr("UsdPrimvarReader_float2")
            reader.CreateInput("varname", _T.String).Set(varname)
            output = self.readers[varname] = reader.CreateOutput("result", _T.Float2)
        return output


def _usd_value(value, type_name):
    if type_name == _T.Int:
        return int(value)
    if type_name == _T.Float:
        return float(value)
    return Gf.Vec3f(*value)
