"""Builds and validates the extension zip with Blender's own extension tool (blender_ext.py,
shipped inside Blender and the bpy wheel).

    python ci/build_extension.py [--output-dir dist]

The repository keeps the manifest at its top and the add-on in miris_export/;
an extension wants both side by side, so they are staged together first.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def blender_ext_tool():
    import bpy

    tool = Path(bpy.utils.system_resource("SCRIPTS")) / "addons_core" / "bl_pkg" / "cli" / "blender_ext.py"
    if not tool.is_file():
        raise SystemExit(f"Blender's extension tool is not in this Blender: {tool}")
    return tool


def build(output_dir):
    tool = blender_ext_tool()
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / "miris_export"
        shutil.copytree(REPO / "miris_export", stage, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        shutil.copy2(REPO / "blender_manifest.toml", stage)
        for command in (["validate", str(stage)],
                        ["build", "--source-dir", str(stage), "--output-dir", str(output_dir)]):
            subprocess.run([sys.executable, str(tool), *command], check=True)
    zips = sorted(output_dir.glob("miris_export-*.zip"), key=os.path.getmtime)
    subprocess.run([sys.executable, str(tool), "validate", str(zips[-1])], check=True)
    return zips[-1]


if __name__ == "__main__":
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--output-dir", default=str(REPO / "dist"))
    print(build(args.parse_args().output_dir))
