"""Renders compared as a user would judge them: a small fixed-seed Cycles CPU render of a plane with
its original material against one of the written file read back by Blender's own USD importer.

The plane emits its texture (Emission shader; the file's emissiveColor), lit by nothing else, so the
render shows the texture as placed, without lighting noise. PSNR is over the 8-bit display images."""
import bpy
import numpy as np
import pytest

from test_materials import empty_material

SIZE = 64


def _scene(tmp_path):
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device, scene.cycles.samples, scene.cycles.seed = "CPU", 4, 1
    scene.cycles.use_denoising = False
    scene.render.resolution_x = scene.render.resolution_y = SIZE
    scene.render.resolution_percentage = 100
    scene.view_settings.view_transform = "Standard"
    scene.world = bpy.data.worlds.new("Black")
    scene.world.color = (0.0, 0.0, 0.0)
    camera = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    camera.data.type, camera.data.ortho_scale = "ORTHO", 2.0
    camera.location = (0.0, 0.0, 5.0)
    scene.collection.objects.link(camera)
    scene.camera = camera
    return scene


def _random_image(tmp_path):
    temp = bpy.data.images.new("pattern", 16, 16)
    pixels = np.random.default_rng(0).random((16, 16, 4)).astype(np.float32)
    pixels[..., 3] = 1.0
    temp.pixels.foreach_set(pixels.ravel())
    temp.filepath_raw, temp.file_format = str(tmp_path / "pattern.png"), "PNG"
    temp.save()
    bpy.data.images.remove(temp)
    return bpy.data.images.load(str(tmp_path / "pattern.png"))


def _emitting_plane(build):
    """A 2 m plane filling the camera's view, emitting what `build(tree)` gives (a colour output)."""
    material, tree = empty_material("Shown")
    out = tree.nodes.new("ShaderNodeOutputMaterial")
    emission = tree.nodes.new("ShaderNodeEmission")
    tree.links.new(emission.outputs[0], out.inputs["Surface"])
    tree.links.new(build(tree), emission.inputs["Color"])
    bpy.ops.mesh.primitive_plane_add(size=2.0)
    plane = bpy.context.object
    plane.data.materials.append(material)
    return plane


def _mapped_image(tmp_path, extension):
    def build(tree):
        coords = tree.nodes.new("ShaderNodeTexCoord")
        mapping = tree.nodes.new("ShaderNodeMapping")
        mapping.vector_type = "TEXTURE"
        mapping.inputs["Location"].default_value = (0.1, 0.2, 0.0)
        mapping.inputs["Rotation"].default_value = (0.0, 0.0, 0.5)
        mapping.inputs["Scale"].default_value = (0.5, 0.4, 1.0)
        tex = tree.nodes.new("ShaderNodeTexImage")
        tex.image, tex.extension = _random_image(tmp_path), extension
        tree.links.new(coords.outputs["UV"], mapping.inputs["Vector"])
        tree.links.new(mapping.outputs[0], tex.inputs["Vector"])
        return tex.outputs["Color"]
    return build


def _noise(tree):
    noise = tree.nodes.new("ShaderNodeTexNoise")
    noise.inputs["Scale"].default_value = 3.0
    return noise.outputs["Color"]


def _render(scene, path):
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    image = bpy.data.images.load(str(path), check_existing=False)
    pixels = np.array(image.pixels[:], np.float64).reshape(SIZE, SIZE, 4)[..., :3]
    bpy.data.images.remove(image)
    return pixels


def _psnr(a, b):
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)


CASES = {
    "mapping_chain": (lambda tmp: _mapped_image(tmp, "REPEAT"), {}),
    "mirror_extension": (lambda tmp: _mapped_image(tmp, "MIRROR"), {}),
    "baked_noise": (lambda tmp: _noise, {"bake_textures": True, "bake_resolution": 128}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_render_of_the_written_file_matches_the_original(scene, export, tmp_path, case):
    build, options = CASES[case]
    scene = _scene(tmp_path)
    plane = _emitting_plane(build(tmp_path))
    original = _render(scene, tmp_path / "original.png")
    report, stage = export(animation=False, default_light=False, **options)
    emissive = stage.GetPrimAtPath("/Materials/Shown/PreviewSurface").GetAttribute("inputs:emissiveColor")
    assert emissive.HasAuthoredConnections()  # textured, not a constant
    bpy.data.objects.remove(plane)
    bpy.ops.wm.usd_import(filepath=str(tmp_path / "out.usda"), import_cameras=False, import_lights=False)
    imported = _render(scene, tmp_path / "imported.png")
    assert np.ptp(original) > 0.2  # the texture shows
    assert _psnr(original, imported) >= 35.0
