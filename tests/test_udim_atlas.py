"""UDIM tiles packed into one atlas: sampling the atlas at the remapped UVs gives the texels the tiles
give at the original UVs; a UDIM normal map passes OpenUSD's validators."""
import bpy
import numpy as np
import pytest
from pxr import UsdGeom

from miris_export.validate import validate_file
from shading_checks import shading_findings
from test_materials import image_node, principled, source_of, surface

TILES = (1001, 1002, 1011, 1012)
SIZE = 8


def _tiles(folder, colour_space=None, sizes=None):
    """Four PNG tiles of random texels (a different pattern each, SIZE px square or as `sizes` says),
    loaded as one UDIM image."""
    rng = np.random.default_rng(7)
    texels = {}
    for number in TILES:
        size = (sizes or {}).get(number, SIZE)
        pixels = np.ones((size, size, 4), np.float32)
        pixels[..., :3] = rng.integers(0, 256, (size, size, 3)) / 255.0
        temp = bpy.data.images.new("tile", size, size)
        temp.pixels.foreach_set(pixels.ravel())
        temp.filepath_raw = str(folder / f"skin.{number}.png")
        temp.file_format = "PNG"
        temp.save()
        bpy.data.images.remove(temp)
        texels[number] = pixels
    image = bpy.data.images.load(str(folder / "skin.1001.png"))
    image.source = "TILED"
    if colour_space:
        image.colorspace_settings.name = colour_space
    assert sorted(t.number for t in image.tiles) == list(TILES)
    return image, texels


def _tile_quads(material):
    """One quad per tile whose UVs cover that whole tile."""
    verts, faces, uvs = [], [], []
    for i, number in enumerate(TILES):
        tu, tv = (number - 1001) % 10, (number - 1001) // 10
        corners = [(0, 0), (1, 0), (1, 1), (0, 1)]
        faces.append([len(verts) + k for k in range(4)])
        verts += [(2 * i + x, y, 0.0) for x, y in corners]
        uvs += [(tu + x, tv + y) for x, y in corners]
    mesh = bpy.data.meshes.new("Tiles")
    mesh.from_pydata(verts, [], faces)
    mesh.uv_layers.new(name="UVMap").data.foreach_set("uv", np.float32(uvs).ravel())
    mesh.materials.append(material)
    obj = bpy.data.objects.new("Tiles", mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def _nearest(pixels, u, v):
    h, w = pixels.shape[:2]
    return pixels[min(int(v * h), h - 1), min(int(u * w), w - 1), :3]


def _exported_atlas(export, tmp_path, image):
    """(the tile quads, their UVs remapped into the atlas, the atlas's (h, w, 4) texels) of an export
    of the quads with `image` as their base colour."""
    material, tree, bsdf = principled("Skin")
    tree.links.new(image_node(tree, image).outputs["Color"], bsdf.inputs["Base Color"])
    obj = _tile_quads(material)
    report, stage = export(animation=False)
    texture, _ = source_of(surface(stage, "Skin").GetInput("diffuseColor"))
    assert texture.GetInput("file").Get().path == "./Textures/skin.png"
    varname = source_of(texture.GetInput("st"))[0].GetInput("varname").Get()
    remapped = np.array(UsdGeom.PrimvarsAPI(stage.GetPrimAtPath("/Root/Tiles/Tiles")).GetPrimvar(varname).Get())
    atlas_image = bpy.data.images.load(str(tmp_path / "Textures" / "skin.png"))
    w, h = atlas_image.size
    atlas = np.empty(w * h * 4, np.float32)
    atlas_image.pixels.foreach_get(atlas)
    return obj, remapped, atlas.reshape(h, w, 4)


def test_atlas_texels_at_remapped_uvs_equal_the_tiles_texels(scene, export, tmp_path):
    image, texels = _tiles(tmp_path)
    obj, remapped, atlas = _exported_atlas(export, tmp_path, image)
    original = np.empty(len(obj.data.loops) * 2, np.float32)
    obj.data.uv_layers["UVMap"].data.foreach_get("uv", original)
    original = original.reshape(-1, 2)
    grid = (np.arange(SIZE * 2) + 0.5) / (SIZE * 2)  # two samples per texel, across the whole tile
    for face, number in zip(obj.data.polygons, TILES):
        (a, b, c, d) = face.loop_indices  # corners (0,0) (1,0) (1,1) (0,1) of the tile
        for s in grid:
            for t in grid:
                def at(uv):
                    return (1 - s) * (1 - t) * uv[a] + s * (1 - t) * uv[b] + s * t * uv[c] + (1 - s) * t * uv[d]
                u, v = at(original)
                want = _nearest(texels[number], u - np.floor(u), v - np.floor(v))
                np.testing.assert_allclose(_nearest(atlas, *at(remapped)), want, atol=0.5 / 255)


def test_smaller_tiles_are_enlarged_and_every_tile_is_framed_by_its_edge_texels(scene, export, tmp_path):
    image, texels = _tiles(tmp_path, sizes={1002: SIZE // 2, 1011: SIZE // 4})
    obj, remapped, atlas = _exported_atlas(export, tmp_path, image)
    h, w = atlas.shape[:2]
    for face, number in zip(obj.data.polygons, TILES):
        u, v = remapped[face.loop_indices[0]]  # the tile's (0, 0) corner: its cell's lower-left texel
        x, y = round(u * w), round(v * h)
        factor = SIZE // len(texels[number])
        cell = np.repeat(np.repeat(texels[number], factor, 0), factor, 1)  # nearest texel, enlarged
        framed = np.pad(cell, ((2, 2), (2, 2), (0, 0)), "edge")  # at least 2 px of repeated edge around
        np.testing.assert_allclose(atlas[y - 2:y + SIZE + 2, x - 2:x + SIZE + 2], framed, atol=0.5 / 255)


def test_udim_normal_map_passes_openusds_validators(scene, export, tmp_path):
    image, _ = _tiles(tmp_path, colour_space="Non-Color")
    material, tree, bsdf = principled("Bumps")
    normal_map = tree.nodes.new("ShaderNodeNormalMap")
    tree.links.new(image_node(tree, image).outputs["Color"], normal_map.inputs["Color"])
    tree.links.new(normal_map.outputs["Normal"], bsdf.inputs["Normal"])
    _tile_quads(material)
    report, stage = export(animation=False)
    assert shading_findings(stage) == []
    assert [f for f in validate_file(tmp_path / "out.usda")] == []
    texture, _ = source_of(surface(stage, "Bumps").GetInput("normal"))
    assert "<UDIM>" not in texture.GetInput("file").Get().path


def test_an_atlas_too_large_is_downscaled_and_reported(scene, export, tmp_path, monkeypatch):
    from miris_export.usd import udim

    monkeypatch.setattr(udim, "MAX_SIZE", 16)  # the 2x2 atlas of 8 px tiles with padding is 24 px
    image, _ = _tiles(tmp_path)
    material, tree, bsdf = principled("Small")
    tree.links.new(image_node(tree, image).outputs["Color"], bsdf.inputs["Base Color"])
    _tile_quads(material)
    report, stage = export(animation=False)
    assert tuple(bpy.data.images.load(str(tmp_path / "Textures" / "skin.png")).size) == (12, 12)
    assert any("downscaled to 12x12" in w for w in report.warnings), report.warnings
