"""Texture files under Textures/: copied, written from packed data, or encoded from pixels; never outside."""
import os
import shutil

import bpy
import numpy as np
import pytest

from miris_export.options import ExportOptions
from miris_export.report import ExportReport
from miris_export.session import ExportSession
from miris_export.usd.textures import write_texture

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def session(scene, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    return ExportSession(layer=None, options=ExportOptions(), report=ExportReport(), view_layer=None,
                         top_matrix=None, export_dir=str(out))


def _pixels(w=4, h=2, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (h, w, 4)) / 255.0).astype(np.float32)


def _generated(name, pixels=None, float_buffer=False):
    pixels = _pixels() if pixels is None else pixels
    h, w = pixels.shape[:2]
    image = bpy.data.images.new(name, w, h, alpha=True, float_buffer=float_buffer)
    image.pixels.foreach_set(pixels.ravel())
    return image


def _saved(path, fmt="PNG", pixels=None):
    """An image file on disk, loaded as a FILE image."""
    temp = _generated("src", pixels)
    temp.filepath_raw = str(path)
    temp.file_format = fmt
    temp.save()
    bpy.data.images.remove(temp)
    return bpy.data.images.load(str(path))


def _read_back(path):
    image = bpy.data.images.load(str(path))
    w, h = image.size
    out = np.empty(w * h * 4, np.float32)
    image.pixels.foreach_get(out)
    bpy.data.images.remove(image)
    return out.reshape(h, w, 4)


def _settings(image):
    return (image.filepath, image.filepath_raw, image.file_format, image.source, image.packed_file is not None)


@pytest.mark.parametrize("in_kernel", [True, False], ids=["sendfile", "buffers"])
def test_png_file_is_copied_byte_identical(session, tmp_path, monkeypatch, in_kernel):
    # Copied in the kernel on Linux, through Python's buffers elsewhere: both copies are the file's bytes.
    monkeypatch.setattr("miris_export.usd.textures._SENDFILE", in_kernel)
    image = _saved(tmp_path / "wood basecolor.png", pixels=_pixels(256, 160, seed=3))
    asset = write_texture(session, image)
    assert asset == "./Textures/wood_basecolor.png"
    copied = os.path.join(session.export_dir, asset)
    source = (tmp_path / "wood basecolor.png").read_bytes()
    assert len(source) > shutil.COPY_BUFSIZE  # more than one buffer's worth
    assert open(copied, "rb").read() == source


def test_packed_png_is_written_as_it_is_and_readable(session, tmp_path):
    pixels = _pixels(seed=3)
    image = _saved(tmp_path / "packed.png", pixels=pixels)
    image.pack()
    packed = bytes(image.packed_file.data)
    os.unlink(tmp_path / "packed.png")  # only the packed copy remains
    before = _settings(image)
    asset = write_texture(session, image)
    path = os.path.join(session.export_dir, asset)
    assert asset == "./Textures/packed.png"
    assert open(path, "rb").read() == packed
    assert np.allclose(_read_back(path), pixels, atol=1 / 255)
    assert _settings(image) == before


def test_generated_image_is_encoded_as_png_without_touching_the_image(session):
    pixels = _pixels(seed=5)
    image = _generated("Painted", pixels)
    before, images = _settings(image), len(bpy.data.images)
    asset = write_texture(session, image)
    path = os.path.join(session.export_dir, asset)
    assert asset == "./Textures/Painted.png"
    assert open(path, "rb").read(8) == PNG_MAGIC
    assert np.allclose(_read_back(path), pixels, atol=1 / 255)
    assert _settings(image) == before and len(bpy.data.images) == images


def test_float_image_is_encoded_as_exr(session):
    pixels = np.full((2, 2, 4), 4.5, np.float32)
    image = _generated("Sky", pixels, float_buffer=True)
    asset = write_texture(session, image)
    assert asset == "./Textures/Sky.exr"
    path = os.path.join(session.export_dir, asset)
    assert open(path, "rb").read(4) == b"v/1\x01"
    assert np.allclose(_read_back(path)[..., :3], 4.5, atol=1e-2)


def test_other_format_file_becomes_png_and_keeps_its_settings(session, tmp_path):
    pixels = _pixels(seed=7)
    image = _saved(tmp_path / "old.tga", "TARGA", pixels)
    before = _settings(image)
    asset = write_texture(session, image)
    assert asset == "./Textures/old.png"
    path = os.path.join(session.export_dir, asset)
    assert open(path, "rb").read(8) == PNG_MAGIC
    assert np.allclose(_read_back(path), pixels, atol=1 / 255)
    assert _settings(image) == before and image.file_format == "TARGA"


def test_missing_file_gives_none_and_names_the_file(session, tmp_path):
    path = _saved(tmp_path / "nowhere.png").filepath
    os.unlink(path)
    image = bpy.data.images.load(path, check_existing=True)
    assert write_texture(session, image) is None
    assert any("nowhere.png" in w for w in session.report.warnings)
    assert not os.path.exists(os.path.join(session.export_dir, "Textures"))


def test_name_collisions_are_resolved_in_order_and_each_image_written_once(session, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _saved(tmp_path / "a" / "tex.png", pixels=_pixels(seed=1))
    second = _saved(tmp_path / "b" / "TEX.png", pixels=_pixels(seed=2))
    assert write_texture(session, first) == "./Textures/tex.png"
    assert write_texture(session, second) == "./Textures/TEX_1.png"
    assert write_texture(session, first) == "./Textures/tex.png"
    assert sorted(os.listdir(os.path.join(session.export_dir, "Textures"))) == ["TEX_1.png", "tex.png"]


@pytest.mark.parametrize("name", ["../../evil", "/etc/passwd", "..\\..\\win", ".hidden", "a/b/c"])
def test_nothing_is_written_outside_the_export_folder(session, tmp_path, name):
    image = _generated(name)
    image.filepath_raw = name  # a generated image's path is only a name, but it may hold anything
    asset = write_texture(session, image)
    assert asset.startswith("./Textures/") and "/" not in asset[len("./Textures/"):]
    assert not asset[len("./Textures/"):].startswith(".")
    written = [os.path.join(d, f) for d, _, files in os.walk(tmp_path) for f in files]
    assert all(p.startswith(os.path.join(session.export_dir, "Textures")) for p in written)


def test_udim_tiles_are_all_copied_and_referenced_with_the_token(session, tmp_path):
    sources = {n: tmp_path / f"skin.{n}.png" for n in (1001, 1002, 1011)}
    for n, path in sources.items():
        _saved(path, pixels=_pixels(seed=n))
    image = bpy.data.images.load(str(sources[1001]))
    image.source = "TILED"
    session.options = ExportOptions(udim="tiles")
    asset = write_texture(session, image)
    assert asset == "./Textures/skin.<UDIM>.png"
    for n, path in sources.items():
        out = os.path.join(session.export_dir, "Textures", f"skin.{n}.png")
        assert open(out, "rb").read() == path.read_bytes()


def test_no_temporary_files_are_left(session, tmp_path):
    write_texture(session, _generated("one"))
    write_texture(session, _saved(tmp_path / "two.png"))
    assert sorted(os.listdir(os.path.join(session.export_dir, "Textures"))) == ["one.png", "two.png"]


def test_a_textures_link_leading_outside_is_refused(session, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, os.path.join(session.export_dir, "Textures"))
    assert write_texture(session, _generated("img")) is None
    assert not os.listdir(outside)
    assert any("outside the export folder" in w for w in session.report.warnings)


def test_a_textures_link_within_the_export_folder_is_written_through(session):
    inside = os.path.join(session.export_dir, "images")
    os.mkdir(inside)
    os.symlink(inside, os.path.join(session.export_dir, "Textures"))
    assert write_texture(session, _generated("img")) == "./Textures/img.png"
    assert os.listdir(inside) == ["img.png"]
    assert not session.report.warnings


@pytest.mark.parametrize("width, height", [(1, 1), (3, 5), (64, 2)])
def test_written_png_reads_back_in_blender_as_the_byte_image_it_was(tmp_path, width, height):
    """usd.png writes the values a byte image holds exactly: every 8-bit value, rows in Blender's order,
    values out of 0-1 (and NaN) clamped as Blender clamps them into a byte image."""
    from miris_export.usd.png import write_png

    rng = np.random.default_rng(width * height)
    values = rng.integers(0, 256, (height, width, 4)) / 255.0
    values.flat[:4] = (-0.5, 1.5, np.nan, 0.5 / 255)  # clamped, clamped, 0, rounded up to 1
    path = str(tmp_path / "out.png")
    write_png(path, values.astype(np.float32).ravel(), width, height)
    expected = np.clip(np.nan_to_num(values), 0, 1)
    expected.flat[3] = 1 / 255
    assert np.array_equal(np.round(_read_back(path) * 255), np.round(expected * 255))
