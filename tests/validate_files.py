"""Hand-written USD files for the validator's tests: a compliant scene, and edits that each break one rule."""
import struct
import zlib

COMPLIANT = """#usda 1.0
(
    metersPerUnit = 1
    upAxis = "Y"
    defaultPrim = "Root"
)

def Xform "Root"
{
    def Mesh "Plane" (
        prepend apiSchemas = ["MaterialBindingAPI"]
    )
    {
        float3[] extent = [(0, 0, 0), (1, 1, 0)]
        int[] faceVertexCounts = [3]
        int[] faceVertexIndices = [0, 1, 2]
        point3f[] points = [(0, 0, 0), (1, 0, 0), (1, 1, 0)]
        texCoord2f[] primvars:st = [(0, 0), (1, 0), (1, 1)] (
            interpolation = "vertex"
        )
        rel material:binding = </Materials/Wood>
    }

    def DistantLight "Sun"
    {
        float inputs:intensity = 3
    }
}

def Scope "Materials"
{
    def Material "Wood"
    {
        token outputs:surface.connect = </Materials/Wood/PreviewSurface.outputs:surface>

        def Shader "PreviewSurface"
        {
            uniform token info:id = "UsdPreviewSurface"
            color3f inputs:diffuseColor.connect = </Materials/Wood/BaseColorTex.outputs:rgb>
            float inputs:roughness = 0.4
            token outputs:surface
        }

        def Shader "BaseColorTex"
        {
            uniform token info:id = "UsdUVTexture"
            asset inputs:file = @./Textures/wood.png@
            token inputs:sourceColorSpace = "sRGB"
            float2 inputs:st.connect = </Materials/Wood/TexCoordReader.outputs:result>
            float outputs:a
            float3 outputs:rgb
        }

        def Shader "TexCoordReader"
        {
            uniform token info:id = "UsdPrimvarReader_float2"
            string inputs:varname = "st"
            float2 outputs:result
        }
    }
}
"""

# Anchors in COMPLIANT that the edits below insert after or replace.
IN_ROOT = 'def Xform "Root"\n{\n'
IN_MATERIAL = '    def Material "Wood"\n    {\n'
IN_MATERIALS = 'def Scope "Materials"\n{\n'
PLANE_API = 'prepend apiSchemas = ["MaterialBindingAPI"]'
LIGHT = '    def DistantLight "Sun"\n    {\n        float inputs:intensity = 3\n    }\n'
ST_CONNECTION = 'float2 inputs:st.connect = </Materials/Wood/TexCoordReader.outputs:result>'
TEXTURE = "@./Textures/wood.png@"

# rule id -> [(old, new)] edits of COMPLIANT that break that rule alone. "{textures}" stands for the
# absolute path of the Textures folder beside the file.
BREAKS = {
    "miris:MetersPerUnit": [("metersPerUnit = 1", "metersPerUnit = 0.01")],
    "miris:UpAxis": [('upAxis = "Y"', 'upAxis = "Z"')],
    "miris:DefaultPrim": [('defaultPrim = "Root"', 'defaultPrim = "Scene"')],
    "miris:TopLevelPrims": [(IN_MATERIALS, 'def Xform "Extra"\n{\n}\n\n' + IN_MATERIALS)],
    "miris:UnderDefaultPrim": [(IN_MATERIALS, IN_MATERIALS + '    def SphereLight "Stray"\n    {\n    }\n')],
    "miris:MaterialsScope": [('def Scope "Materials"', 'def Xform "Materials"')],
    "miris:BindingTarget": [("rel material:binding = </Materials/Wood>", "rel material:binding = </Root/Sun>")],
    "miris:PrimType": [(IN_ROOT, IN_ROOT + '    def Cube "Box"\n    {\n    }\n\n')],
    "miris:APISchema": [(PLANE_API, 'prepend apiSchemas = ["MaterialBindingAPI", "GeomModelAPI"]')],
    "miris:ExcludedData": [("float3[] extent", "float physics:mass = 2\n        float3[] extent")],
    "miris:ShaderId": [(IN_MATERIAL, IN_MATERIAL + '        def Shader "Arnold"\n        {\n'
                        '            uniform token info:id = "arnold:standard_surface"\n        }\n\n')],
    "miris:MaterialOutput": [(IN_MATERIAL, IN_MATERIAL + "        token outputs:arnold:surface\n")],
    "miris:TextureChannel": [("float inputs:roughness = 0.4", "float inputs:roughness = 0.4\n            "
                              "float inputs:opacity.connect = </Materials/Wood/BaseColorTex.outputs:a>")],
    "miris:TextureCoordinates": [(ST_CONNECTION, "float2 inputs:st = (0, 0)")],
    "miris:RelativeAssetPath": [(TEXTURE, "@{textures}/wood.png@")],
    "miris:AssetResolves": [(TEXTURE, "@./Textures/missing.png@")],
    "miris:LightRequired": [(LIGHT, "")],
    "miris:LightType": [(LIGHT, LIGHT + '\n    def DiskLight "Disk"\n    {\n    }\n')],
    "miris:TimingMetadata": [(IN_ROOT, IN_ROOT + "    double3 xformOp:translate.timeSamples = {\n        0: (0, 0, 0),"
                              "\n        24: (10, 0, 0),\n    }\n    uniform token[] xformOpOrder = "
                              '["xformOp:translate"]\n\n')],
    "miris:VariantSelection": [('def Xform "Root"\n', 'def Xform "Root" (\n    variantSets = ["look"]\n)\n'),
                               ('    def Mesh "Plane"', '    variantSet "look" = {\n        "plain" {\n        }\n'
                                '        "shiny" {\n        }\n    }\n\n    def Mesh "Plane"')],
    "usdShadeValidators:MaterialBindingApiAppliedValidator.MissingMaterialBindingAPI": [(PLANE_API, "")],
}

# OpenUSD's validators see some of the same breaches; these of theirs may come along.
ALSO = {
    "miris:BindingTarget": {"usdShadeValidators:MaterialBindingCollectionValidator.InvalidResourcePath"},
    "miris:ShaderId": {"usdShadeValidators:ShaderSdrCompliance.MissingShaderIdInRegistry"},
}

# Compliant variations: an animated file with its timing metadata; a MaterialX OpenPBR material.
ANIMATED = COMPLIANT.replace('defaultPrim = "Root"', 'defaultPrim = "Root"\n    startTimeCode = 0\n'
                             '    endTimeCode = 24\n    timeCodesPerSecond = 24').replace(
    IN_ROOT, BREAKS["miris:TimingMetadata"][0][1])
OPENPBR = COMPLIANT.replace(IN_MATERIALS, IN_MATERIALS + """    def Material "Pbr"
    {
        token outputs:mtlx:surface.connect = </Materials/Pbr/Surface.outputs:out>

        def Shader "Surface"
        {
            uniform token info:id = "ND_open_pbr_surface_surfaceshader"
            color3f inputs:base_color.connect = </Materials/Pbr/Image.outputs:out>
            token outputs:out
        }

        def Shader "Image"
        {
            uniform token info:id = "ND_image_color3"
            asset inputs:file = @./Textures/wood.png@
            color3f outputs:out
        }
    }

""")


def broken(rule, textures=""):
    text = COMPLIANT
    for old, new in BREAKS[rule]:
        assert old in text, (rule, old)
        text = text.replace(old, new.replace("{textures}", textures), 1)
    return text


def png(width=2, height=2):
    """A valid grey RGB PNG, written with the standard library."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\x80" * (3 * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def write_scene(folder, name, text):
    """The file and a Textures/wood.png beside it; returns the file's path."""
    (folder / "Textures").mkdir(parents=True, exist_ok=True)
    (folder / "Textures" / "wood.png").write_bytes(png())
    path = folder / name
    path.write_text(text)
    return path
