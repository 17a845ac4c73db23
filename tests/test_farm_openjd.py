"""The OpenJD job template run by `openjd run`: two chunk tasks and the stitch give the single export."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bpy
import pytest

import miris_export
from conftest import REPO
from farm_checks import animated_scene, assert_same_layers

OPENJD = Path(sys.executable).with_name("openjd")


@pytest.mark.skipif(not OPENJD.exists(), reason="openjd-cli is not installed (ci/requirements.txt)")
def test_openjd_run_exports_chunks_as_tasks_and_stitches_them(scene, tmp_path):
    animated_scene(scene, frames=12)
    blend = tmp_path / "shot.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    single = tmp_path / "single.usdc"
    miris_export.export(str(single), frame_start=1, frame_end=12)
    out = tmp_path / "out" / "shot.usdc"
    out.parent.mkdir()
    bundle = tmp_path / "bundle"
    made = subprocess.run([sys.executable, "-m", "miris_export", "job-bundle", str(blend), str(bundle), "-o", str(out),
                           "--frame-start", "1", "--frame-end", "12", "--chunk-size", "6",
                           "--command", f"{sys.executable} -m miris_export"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert made.returncode == 0, made.stderr
    deadline = json.loads((bundle / "parameter_values.yaml").read_text())
    assert {"name": "ChunkSize", "value": 6} in deadline["parameterValues"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    run = subprocess.run([str(OPENJD), "run", str(bundle / "template.yaml"), "--step", "Stitch", "--run-dependencies",
                          "-p", f"file://{bundle / 'parameters.json'}"],
                         capture_output=True, text=True, env=env, timeout=600)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-3000:]
    assert "openjd_status: exporting frames 1-6" in log and "openjd_status: exporting frames 7-12" in log
    assert "openjd_progress: 100" in log
    assert_same_layers(single, out)
    assert not (tmp_path / "out" / "shot.usdc.chunks").exists()  # the stitch step cleans up after itself
    shutil.rmtree(bundle)
