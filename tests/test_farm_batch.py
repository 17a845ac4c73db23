"""Batch export: several .blend files in parallel processes, one broken among them."""
import subprocess
import sys

import bpy
import numpy as np
from pxr import Usd, UsdGeom

from conftest import REPO


def _save(scene, path, location):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.mesh.primitive_cube_add(size=1.0, location=location)
    bpy.ops.wm.save_as_mainfile(filepath=str(path))


def test_batch_exports_the_good_files_and_reports_the_broken_one(scene, tmp_path):
    good = [tmp_path / "a.blend", tmp_path / "b.blend"]
    for i, path in enumerate(good):
        _save(scene, path, (i + 1.0, 0, 0))
    broken = tmp_path / "broken.blend"
    broken.write_bytes(b"BLENDER-v500 this is not a blend file" * 10)
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run([sys.executable, "-m", "miris_export", "batch", str(good[0]), str(broken), str(good[1]),
                           "--out-dir", str(out), "--jobs", "2", "--no-animation"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 1, done.stderr
    rows = {line.split()[0]: line.split()[1] for line in done.stdout.splitlines() if ".blend " in line}
    assert rows == {"a.blend": "ok", "broken.blend": "failed", "b.blend": "ok"}, done.stdout
    assert "2 of 3 exported, 1 failed" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == ["a.usdc", "b.usdc"]
    for i, name in enumerate(("a.usdc", "b.usdc")):
        stage = Usd.Stage.Open(str(out / name))
        world = UsdGeom.Xformable(stage.GetPrimAtPath("/Root/Cube")).ComputeLocalToWorldTransform(0)
        # Blender's (i + 1, 0, 0) is USD's (i + 1, 0, 0) after Z-up to Y-up.
        assert np.allclose(np.array(world)[3, :3], (i + 1.0, 0, 0))


def test_progress_off_a_terminal_is_plain_lines_and_openjd_lines_on_request(scene, tmp_path, capsys):
    from miris_export import cli

    path = tmp_path / "demo.usdc"
    assert cli.run(["-o", str(path), "--frame-start", "1", "--frame-end", "20", "--progress", "lines"]) == 0
    objects = _objects(path)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("0/20 frames, 0 objects")
    assert lines[-1].startswith(f"20/20 frames, {objects} objects")
    assert len(lines) == 11 and all("\r" not in line for line in lines)
    assert cli.run(["-o", str(path), "--frame-start", "1", "--frame-end", "4", "--progress", "openjd"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == ["openjd_progress: 0", "openjd_status: 0 of 4 frames, 0 objects"]
    assert err[-2:] == ["openjd_progress: 100", f"openjd_status: 4 of 4 frames, {objects} objects"]


def test_progress_on_a_terminal_is_a_bar(tmp_path):
    import os
    import pty

    master, slave = pty.openpty()
    path = tmp_path / "demo.usdc"
    proc = subprocess.Popen([sys.executable, "-m", "miris_export", "-o", str(path), "--frame-start", "1",
                             "--frame-end", "10"], cwd=REPO, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.wait(timeout=120) == 0
    text = seen.decode()
    bars = [part for part in text.replace("\n", "\r").split("\r") if part.startswith("[")]
    assert bars[0].startswith("[" + "." * 30 + "] 0/10 frames, 0 objects")
    assert bars[-1].startswith("[" + "#" * 30 + f"] 10/10 frames, {_objects(path)} objects")
    assert text.endswith("\n") and "\n" not in text.rstrip("\r\n")  # one line, redrawn


def _objects(path):
    """The exported objects in a written file: each an Xform (or SkelRoot) below /Root."""
    stage = Usd.Stage.Open(str(path))
    return sum(1 for prim in stage.Traverse()
               if prim.GetTypeName() in ("Xform", "SkelRoot") and str(prim.GetPath()) != "/Root")
