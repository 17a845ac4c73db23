"""Chunks of an animated export stitched into one file: the file a single export of the whole range writes."""
import os
import subprocess
import sys
import zipfile

import bpy
import pytest
from pxr import Sdf

import miris_export
from conftest import REPO
from farm_checks import animated_scene, assert_same_layers
from miris_export.exporter import ExportError
from miris_export.farm.stitch import StitchError

CHUNKS = ((1, 20), (21, 40), (41, 60))


def _chunks(tmp_path, ranges=CHUNKS, whole=(1, 60), **options):
    paths = []
    for start, end in ranges:
        path = tmp_path / f"chunk_{start:04d}.usdc"
        miris_export.export(str(path), frame_start=start, frame_end=end, chunk_of=whole, validate=False, **options)
        paths.append(str(path))
    return paths


def test_three_chunks_stitch_into_the_single_export(scene, tmp_path):
    animated_scene(scene)
    single = tmp_path / "single.usdc"
    report = miris_export.export(str(single), frame_start=1, frame_end=60)
    assert report.compliant, report.findings
    chunks = _chunks(tmp_path)
    stitched = tmp_path / "out" / "stitched.usdc"
    stitched.parent.mkdir()
    result = miris_export.stitch(str(stitched), list(reversed(chunks)))
    assert result.compliant, result.findings
    specs = assert_same_layers(single, stitched)
    # What the comparison covers: values animated in only some chunks, absences, skinning.
    samples = {path: spec[3] for path, spec in specs.items() if spec[0] == "attribute"}
    mover = samples["/Root/Mover.xformOp:translate"]  # it only moves: translate alone is sampled
    assert mover and mover[-1][0] == 30.0  # still after frame 30: the last chunk had it constant
    assert [t for t, v in samples["/Root/Late.visibility"]][:2] == [1.0, 25.0]
    gone = [s for path, s in samples.items() if path.startswith("/Root/Gone/") and path.endswith(".visibility")]
    assert gone[0] == [(1.0, "inherited"), (45.0, "invisible")]  # its data hidden from 45
    holder = [s for path, s in samples.items() if path.startswith("/Root/Holder/Cone") and path.endswith(".visibility")]
    assert holder[0][0] == (1.0, "invisible") and (23.0, "inherited") in holder[0]
    assert "/Root/Mover.visibility" not in specs
    assert len(samples["/Root/Wave/Grid.points"]) > 50
    assert len(samples["/Root/Lamp/Lamp.inputs:intensity"]) > 30
    assert any(path.endswith("Animation.rotations") and len(s) > 50 for path, s in samples.items())
    assert not any("mirisChunk" in str(spec) for spec in specs.values())
    instanceable = [path for path, spec in specs.items() if spec[0] == "prim" and spec[5]]
    assert len(instanceable) >= 4, instanceable  # the twins and the kit's copies share prototypes


def test_chunks_with_a_gap_an_overlap_or_of_another_export_are_refused(scene, tmp_path):
    animated_scene(scene, frames=12)
    out = str(tmp_path / "out.usdc")
    a, b, c = _chunks(tmp_path, ((1, 4), (5, 8), (9, 12)), whole=(1, 12))
    with pytest.raises(StitchError, match=r"frames 5-8 are missing"):
        miris_export.stitch(out, [a, c])
    with pytest.raises(StitchError, match=r"frames 9-12 are missing"):
        miris_export.stitch(out, [a, b])
    command = [sys.executable, "-m", "miris_export", "stitch", out]
    failed = subprocess.run([*command, c, a], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert failed.returncode == 1
    assert failed.stderr.splitlines() == ["python -m miris_export stitch: error: frames 5-8 are missing: no chunk "
                                          "holds them"]
    done = subprocess.run([*command, c, a, b], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Miris validation: compliant" in done.stdout and "INFO: Stitched 3 chunk(s): 1-4, 5-8, 9-12" in done.stdout
    assert Sdf.Layer.FindOrOpen(out).startTimeCode == 1 and Sdf.Layer.FindOrOpen(out).endTimeCode == 12
    os.remove(out)
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    (overlap,) = _chunks(other_dir, ((3, 6),), whole=(1, 12))
    with pytest.raises(StitchError, match=r"frames 3-4 are in two chunks"):
        miris_export.stitch(out, [a, overlap, b, c])
    (other,) = _chunks(other_dir, ((5, 8),), whole=(1, 12), materials=False)
    with pytest.raises(StitchError, match=r"chunks of different exports: their options differ"):
        miris_export.stitch(out, [a, other, c])
    bpy.data.objects["Mover"].data = bpy.data.meshes.new("Empty")  # another scene: the Mover holds no mesh
    bpy.data.lights["Lamp"].type = "SUN"
    (changed,) = _chunks(other_dir, ((5, 8),), whole=(1, 12))
    with pytest.raises(StitchError, match=r"does not match the other chunks: /Root/Lamp/Lamp is a DistantLight"):
        miris_export.stitch(out, [a, changed, c])
    with pytest.raises(StitchError, match=r"out.usdc.*not a chunk|is not a chunk"):
        miris_export.export(out, frame_start=1, frame_end=4)
        miris_export.stitch(str(tmp_path / "again.usdc"), [out, b, c])
    assert not (tmp_path / "again.usdc").exists()
    with pytest.raises(ExportError, match=r"the chunk 9-12 is outside the whole range 1-10"):
        _chunks(other_dir, ((9, 12),), whole=(1, 10))
    with pytest.raises(ExportError, match=r"the whole range 3-3 must span more than one frame"):
        _chunks(other_dir, ((3, 3),), whole=(3, 3))
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _ball(name, shown):
    """An ico sphere present (rendered) only in the frames `shown` (first, last)."""
    bpy.ops.mesh.primitive_ico_sphere_add(subdivisions=1, radius=0.3)
    obj = bpy.context.active_object
    obj.name = name
    for frame, hidden in ((1, shown[0] > 1), (shown[0], False), (shown[1] + 1, True)):
        obj.hide_render = obj.hide_viewport = hidden
        obj.keyframe_insert("hide_render", frame=frame)
        obj.keyframe_insert("hide_viewport", frame=frame)
    return obj


def test_objects_whose_names_collide_get_the_names_of_the_single_export(scene, tmp_path):
    # One export names "Ball_001" (frames 1-6) Ball_001 and "Ball.001" (from frame 5) Ball_001_1; a
    # chunk from frame 9 on, which meets only "Ball.001", must name it as the single export does.
    scene.frame_start, scene.frame_end = 1, 12
    _ball("Ball_001", (1, 6))
    _ball("Ball.001", (5, 12))
    single = tmp_path / "single.usdc"
    miris_export.export(str(single), frame_start=1, frame_end=12)
    chunks = _chunks(tmp_path, ((1, 4), (5, 8), (9, 12)), whole=(1, 12))
    out = tmp_path / "out" / "stitched.usdc"
    out.parent.mkdir()
    assert miris_export.stitch(str(out), chunks).compliant
    specs = assert_same_layers(single, out)
    assert "/Root/Ball_001_1.visibility" in specs
    # Chunks that name one object differently anyway are refused, never stitched wrong.
    layer = Sdf.Layer.FindOrOpen(chunks[2])
    prim = layer.GetPrimAtPath("/Root/Ball_001_1")
    prim.customData = {"mirisChunk": "('OB', 'Ball_001')"}
    layer.Save()
    with pytest.raises(StitchError, match=r"chunk_0009.usdc does not match the other chunks: /Root/Ball_001_1 is "
                                          r"the object \('OB', 'Ball_001'\) there, the object \('OB', 'Ball.001'\)"):
        miris_export.stitch(str(tmp_path / "again.usdc"), chunks)


def test_textures_are_gathered_beside_the_stitched_file_and_must_agree(scene, tmp_path):
    scene.frame_start, scene.frame_end = 1, 8
    bpy.ops.mesh.primitive_cube_add(size=1.0)
    cube = bpy.context.active_object
    cube.keyframe_insert("location", frame=1)
    cube.location = (1, 0, 0)
    cube.keyframe_insert("location", frame=8)
    image = bpy.data.images.new("Checker", 8, 8)
    image.pixels = [0.25, 0.5, 0.75, 1.0] * 64
    material = bpy.data.materials.new("Painted")
    if bpy.app.version < (5, 0, 0):
        material.use_nodes = True
    tex = material.node_tree.nodes.new("ShaderNodeTexImage")
    tex.image = image
    material.node_tree.links.new(tex.outputs["Color"], material.node_tree.nodes["Principled BSDF"].inputs["Base Color"])
    cube.data.materials.append(material)
    single = tmp_path / "single" / "single.usdc"
    single.parent.mkdir()
    miris_export.export(str(single), frame_start=1, frame_end=8)
    chunks = []
    for start, end in ((1, 4), (5, 8)):
        folder = tmp_path / f"c{start}"
        folder.mkdir()
        chunks += _chunks(folder, ((start, end),), whole=(1, 8))
    out = tmp_path / "out" / "stitched.usdc"
    out.parent.mkdir()
    assert miris_export.stitch(str(out), chunks).compliant
    assert_same_layers(single, out)
    written = sorted(p.name for p in (single.parent / "Textures").iterdir())
    assert written == sorted(p.name for p in (out.parent / "Textures").iterdir()) and written
    for name in written:
        assert (out.parent / "Textures" / name).read_bytes() == (single.parent / "Textures" / name).read_bytes()
    packed = tmp_path / "out" / "stitched.usdz"
    assert miris_export.stitch(str(packed), chunks).compliant
    with zipfile.ZipFile(packed) as package:
        assert package.namelist() == ["stitched.usdc"] + [f"Textures/{name}" for name in written]
    (tmp_path / "c5" / "Textures" / written[0]).write_bytes(b"not the same image")
    with pytest.raises(StitchError, match=rf"the texture {written[0]} differs between .*c1.* and .*c5"):
        miris_export.stitch(str(tmp_path / "out" / "again.usdc"), chunks)
    assert not (tmp_path / "out" / "again.usdc").exists()
