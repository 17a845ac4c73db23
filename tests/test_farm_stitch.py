"""Chunks of an animated export stitched into one file: the file a single export of the whole range writes."""
import bpy
import pytest
from pxr import Sdf

import miris_export
from farm_checks import animated_scene, assert_same_layers
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
    mover = samples["/Root/Mover.xformOp:transform"]
    assert mover and mover[-1][0] == 30.0  # still after frame 30: the last chunk had it constant
    assert [t for t, v in samples["/Root/Late.visibility"]][:2] == [1.0, 25.0]
    assert any(v == "invisible" for _, v in samples["/Root/Gone.visibility"])
    assert "/Root/Mover.visibility" not in specs
    assert len(samples["/Root/Wave/Grid.points"]) > 50
    assert len(samples["/Root/Lamp/Lamp.inputs:intensity"]) > 30
    assert any(path.endswith("Animation.rotations") and len(s) > 50 for path, s in samples.items())
    assert not any("mirisChunk" in str(spec) for spec in specs.values())


def test_chunks_with_a_gap_an_overlap_or_of_another_export_are_refused(scene, tmp_path):
    animated_scene(scene, frames=12)
    out = str(tmp_path / "out.usdc")
    a, b, c = _chunks(tmp_path, ((1, 4), (5, 8), (9, 12)), whole=(1, 12))
    with pytest.raises(StitchError, match=r"frames 5-8 are missing"):
        miris_export.stitch(out, [a, c])
    with pytest.raises(StitchError, match=r"frames 9-12 are missing"):
        miris_export.stitch(out, [a, b])
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
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
