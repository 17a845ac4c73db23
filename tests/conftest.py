"""Blender as a Python module, a factory-empty scene per test, and reading files back with pxr."""
import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import bpy  # noqa: E402

import miris_export.usd  # noqa: E402,F401  (puts Blender's own pxr first, as inside Blender)

CORPUS = REPO.parent / "shared" / "corpus"
# Set where the corpus must be there (CI): its tests then fail instead of skipping without it.
CORPUS_REQUIRED = os.environ.get("MIRIS_CORPUS_REQUIRED", "") not in ("", "0")
CORPUS_MISSING = "the scene corpus (../shared/corpus) is not beside this checkout"


def corpus_missing():
    """Skips the calling test for want of the corpus, or fails it when the corpus is required."""
    if CORPUS_REQUIRED:
        pytest.fail(f"{CORPUS_MISSING}, and MIRIS_CORPUS_REQUIRED is set", pytrace=False)
    pytest.skip(CORPUS_MISSING)


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
        corpus_missing()

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

