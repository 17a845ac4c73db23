"""`python -m miris_export.validate` in a subprocess where bpy cannot be imported: exit codes, JSON,
and bad input (corrupt, truncated, renamed, hostile packages, cycles, huge files) that never crashes it."""
import json
import os
import random
import subprocess
import sys
import zipfile

import pytest

from validate_files import COMPLIANT, broken, write_scene

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Runs the validator as `python -m` would, with `bpy` made unimportable, then says which pxr served
# and whether bpy ever got loaded.
WITHOUT_BPY = """
import runpy, sys
sys.modules["bpy"] = None
sys.argv = ["miris_export.validate"] + sys.argv[1:]
try:
    runpy.run_module("miris_export.validate", run_name="__main__", alter_sys=True)
    code = 0
except SystemExit as exit:
    code = exit.code
import pxr
sys.stderr.write("BPY-LOADED=%s PXR=%s\\n" % (sys.modules.get("bpy") is not None, pxr.__file__))
sys.exit(code)
"""


def run(*args, timeout=120):
    env = dict(os.environ, PYTHONPATH=REPO)
    result = subprocess.run([sys.executable, "-c", WITHOUT_BPY, *map(str, args)], capture_output=True,
                            text=True, timeout=timeout, env=env, cwd=REPO)
    assert "BPY-LOADED=False" in result.stderr, result.stderr
    assert f"{os.sep}bpy{os.sep}" not in result.stderr.split("PXR=")[-1]  # usd-core's pxr, not Blender's
    return result


def as_json(result):
    return {entry["file"]: entry for entry in json.loads(result.stdout)["files"]}


def test_exit_codes_and_json_without_bpy(tmp_path):
    good = write_scene(tmp_path, "good.usda", COMPLIANT)
    bad = write_scene(tmp_path, "bad.usda", broken("miris:UpAxis"))
    text = tmp_path / "notes.usd"
    text.write_text("These are notes, not a scene.\n")

    assert run(good).returncode == 0
    result = run(good, bad, "--json")
    assert result.returncode == 1
    files = as_json(result)
    assert files[str(good)]["compliant"] and files[str(good)]["findings"] == []
    assert [f["rule"] for f in files[str(bad)]["findings"]] == ["miris:UpAxis"]
    assert set(files[str(bad)]["findings"][0]) == {"rule", "severity", "path", "message", "section"}

    result = run(good, bad, text)
    assert result.returncode == 2
    assert "miris:Unreadable" in result.stdout and "miris:UpAxis" in result.stdout


def _package(path, entries, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def test_bad_files_get_exit_2_or_findings(tmp_path):
    layer = COMPLIANT.encode()
    empty = {ext: tmp_path / f"empty{ext}" for ext in (".usda", ".usdc", ".usdz")}
    for path in empty.values():
        path.write_bytes(b"")
    not_zip = tmp_path / "not_zip.usdz"
    not_zip.write_text("#usda 1.0\n")
    absolute = _package(tmp_path / "absolute.usdz", [("scene.usda", layer), ("/etc/Textures/wood.png", b"x")])
    escaping = _package(tmp_path / "escaping.usdz", [("scene.usda", layer), ("../Textures/wood.png", b"x")])
    squeezed = _package(tmp_path / "squeezed.usdz", [("scene.usda", layer)], zipfile.ZIP_DEFLATED)
    huge = tmp_path / "huge.usdc"
    with open(huge, "wb") as f:  # sparse: 4 GiB on paper, nothing on disk
        f.truncate(4 << 30)
    files = as_json(run(*empty.values(), not_zip, absolute, escaping, squeezed, huge, "--json", timeout=180))

    def rules(path):
        return {f["rule"] for f in files[str(path)]["findings"]}

    for path in (*empty.values(), not_zip, huge):
        assert rules(path) == {"miris:Unreadable"}, files[str(path)]
    for path in (absolute, escaping, squeezed):
        assert "miris:UsdzPackage" in rules(path), files[str(path)]


def test_a_file_over_the_time_bound_is_given_up(tmp_path):
    good = write_scene(tmp_path, "good.usda", COMPLIANT)
    prims = "".join(f'    def Xform "X{i}"\n    {{\n    }}\n' for i in range(20000))
    big = write_scene(tmp_path, "big.usda", COMPLIANT.replace('def Xform "Root"\n{\n', 'def Xform "Root"\n{\n' + prims))
    result = run(good, big, "--json", "--timeout", "0.05")
    files = as_json(result)
    assert result.returncode == 2
    assert files[str(good)]["findings"] == []
    assert "did not finish" in files[str(big)]["findings"][0]["message"]


def _corruptions(data, seed, count):
    rng = random.Random(seed)
    for i in range(count):
        if i % 2 == 0:
            yield data[:rng.randrange(1, len(data))]
        else:
            flipped = bytearray(data)
            for _ in range(rng.randint(1, 16)):
                flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
            yield bytes(flipped)


def _reads_as_compliant(path):
    """Opens `path` with pxr in a child process (a corrupt file may crash the library) and checks
    the stage metadata and a light, as the specification requires, without the validator."""
    code = ("import sys; from pxr import Usd, UsdGeom, UsdLux; s = Usd.Stage.Open(sys.argv[1]); "
            "ok = (s.GetDefaultPrim().GetPath() == '/Root' and UsdGeom.GetStageMetersPerUnit(s) == 1 "
            "and UsdGeom.GetStageUpAxis(s) == 'Y' and any(p.HasAPI(UsdLux.LightAPI) for p in s.Traverse())); "
            "sys.exit(0 if ok else 3)")
    return subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, timeout=120).returncode == 0


@pytest.mark.parametrize("ext", [".usdc", ".usda", ".usdz"])
def test_corrupted_exports_never_crash_or_hang(scene, export, tmp_path, ext):
    import bpy

    bpy.ops.mesh.primitive_monkey_add()
    bpy.ops.object.light_add(type="POINT", location=(0, 0, 3))
    export(f"source{ext}", animation=False)
    data = (tmp_path / f"source{ext}").read_bytes()
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    paths = []
    for i, variant in enumerate(_corruptions(data, seed=len(data), count=12)):
        paths.append(corrupt / f"c{i}{ext}")
        paths[-1].write_bytes(variant)
    result = run(*paths, "--json", "--timeout", "30", timeout=240)
    assert result.returncode in (1, 2), result.stderr
    files = as_json(result)
    assert sorted(files) == sorted(map(str, paths))
    for i, path in enumerate(paths):
        entry = files[str(path)]
        if i % 2 == 0 and ext != ".usda":  # a binary file cut short has lost its table of contents
            assert not entry["compliant"] and entry["findings"], path
        if entry["compliant"]:  # a flip can leave a valid file: then USD itself must read it as one
            assert _reads_as_compliant(path), path
    assert sum(not entry["compliant"] for entry in files.values()) >= len(paths) // 2
