"""A cancel asked for mid-export leaves nothing behind and the scene as it was."""
import os
import threading

import bpy
import pytest

import miris_export
from miris_export.exporter import Cancelled


@pytest.fixture
def textured(scene):
    """An animated cube whose material reads a generated image: its texture is written at frame 1."""
    bpy.ops.mesh.primitive_cube_add()
    obj = bpy.context.object
    obj.location.x = 0.0
    obj.keyframe_insert("location", frame=1)
    obj.location.x = 2.0
    obj.keyframe_insert("location", frame=5)
    material = bpy.data.materials.new("Painted")
    if bpy.app.version < (5, 0):
        material.use_nodes = True  # always on from 5.0
    tree = material.node_tree
    image = tree.nodes.new("ShaderNodeTexImage")
    image.image = bpy.data.images.new("grain", 4, 4)
    tree.links.new(image.outputs["Color"], tree.nodes["Principled BSDF"].inputs["Base Color"])
    obj.data.materials.append(material)
    scene.frame_start, scene.frame_end = 1, 5
    scene.frame_set(3)
    return scene


def _state(scene):
    return (scene.frame_current, len(bpy.data.meshes), len(bpy.data.images), len(bpy.data.objects),
            tuple(bpy.data.objects["Cube"].location))


def _complete(tmp_path, name):
    """The same export uncancelled writes the file and its texture, so the cancel had something to stop."""
    import zipfile

    miris_export.export(str(tmp_path / name))
    if name.endswith(".usdz"):
        assert any(n.startswith("Textures/") for n in zipfile.ZipFile(tmp_path / name).namelist())
    else:
        assert (tmp_path / "Textures").is_dir()


@pytest.mark.parametrize("name", ["cancel.usda", "cancel.usdz"])
def test_progress_returning_false_stops_the_export(textured, tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    before = _state(textured)
    calls = []

    def progress(fraction):
        calls.append(fraction)
        return len(calls) < 3  # stop at the third frame, after the texture was written

    with pytest.raises(Cancelled):
        miris_export.export(str(out / name), progress=progress)
    assert calls == [0.0, 0.2, 0.4]
    assert list(out.iterdir()) == []  # no file, no Textures folder, no staging folder
    assert _state(textured) == before
    _complete(tmp_path, name)


def test_a_set_event_stops_the_export(textured, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stop = threading.Event()
    before = _state(textured)
    seen = []

    def progress(fraction):
        seen.append(fraction)
        if fraction >= 0.4:
            stop.set()  # as another thread (a UI's Esc) would

    with pytest.raises(Cancelled):
        miris_export.export(str(out / "scene.usdc"), progress=progress, cancel=stop)
    assert seen == [0.0, 0.2, 0.4]
    assert list(out.iterdir()) == []
    assert _state(textured) == before


def test_an_unset_signal_changes_nothing(textured, tmp_path):
    report = miris_export.export(str(tmp_path / "scene.usda"), cancel=lambda: False)
    assert report.frames == (1, 5) and (tmp_path / "Textures").is_dir()


def test_stepped_export_stopped_between_frames_leaves_nothing(textured, tmp_path):
    """How the dialog's modal operator runs an export, frame by frame, and stops it on Esc."""
    from miris_export.exporter import cancel_steps, export_steps

    out = tmp_path / "out"
    out.mkdir()
    before = _state(textured)
    steps = export_steps(str(out / "scene.usda"))
    assert [next(steps), next(steps)] == [0.0, 0.2]
    assert textured.frame_current == 1  # the first frame is written, the export stands before the second
    with pytest.raises(Cancelled):
        cancel_steps(steps)
    assert list(out.iterdir()) == []
    assert _state(textured) == before
    steps = export_steps(str(out / "scene.usda"))
    fractions = list(steps)  # run to the end, the report is the generator's return value
    assert fractions == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0] and (out / "scene.usda").is_file()


def test_textures_wait_beside_their_place_under_temporary_names(textured, tmp_path):
    """Mid-export, a texture already written waits in Textures/ under a hidden temporary name, and no
    staging folder is made for it; the finished export renames it into place."""
    seen = []

    def progress(fraction):
        if fraction == 0.4:
            seen.extend(sorted(os.listdir(tmp_path)) + sorted(os.listdir(tmp_path / "Textures")))

    miris_export.export(str(tmp_path / "scene.usdc"), progress=progress)
    assert len(seen) == 2 and seen[0] == "Textures" and seen[1].startswith(".grain.png.") and seen[1].endswith(".part")
    assert sorted(os.listdir(tmp_path)) == ["Textures", "scene.usdc"]
    assert os.listdir(tmp_path / "Textures") == ["grain.png"]
