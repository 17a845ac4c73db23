"""Blender as a Python module, a factory-empty scene per test, and reading files back with pxr."""
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import bpy  # noqa: E402

import miris_export.usd  # noqa: E402,F401  (puts Blender's own pxr first, as inside Blender)

CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def scene():
    """An empty scene: no default cube, light or camera."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    return bpy.context.scene


@pytest.fixture
def export(tmp_path):
    """export(name='out.usda', **options) -> (report, Usd.Stage) for the current scene."""
    from pxr import Usd

    import miris_export

    def run(name="out.usda", **options):
        path = tmp_path / name
        report = miris_export.export(str(path), **options)
        assert not [w for w in report.warnings if "could not be exported" in w], report.warnings
        return report, Usd.Stage.Open(str(path))

    return run


@pytest.fixture
def corpus_scene(tmp_path):
    """copy(name) -> path of a corpus scene copied with its textures to a temporary folder."""
    if not CORPUS.is_dir():
        pytest.skip("the scene corpus (../shared/corpus) is not beside this checkout")

    def copy(name):
        dest = tmp_path / "corpus"
        if not dest.exists():
            shutil.copytree(CORPUS / "scenes", dest / "scenes")
            shutil.copytree(CORPUS / "pbr_node", dest / "pbr_node")
        return dest / "scenes" / name

    return copy


def blender_major_minor():
    return bpy.app.version[:2]


def is_blender_42():
    return bpy.app.version < (4, 3, 0)

