"""Image files beside the exported file: `./Textures/NAME.ext`, relative, never outside the export folder.

A file a USD renderer reads as it is (PNG, JPEG, OpenEXR) is copied byte for
byte; a packed file in one of those formats is written out as it is; anything
else (generated or edited images, WebP, TGA, BMP, Radiance HDR...) is encoded
from the image's pixels, as 8-bit RGBA PNG (usd.png), or OpenEXR for float
images. The user's image data-block is never changed: its pixels are read, and
an OpenEXR file is saved through a temporary image that is removed afterwards.

UDIM images are packed into one atlas image (usd.udim), the UVs reading them
remapped; with the `udim` option `tiles` they keep their tiles as
`NAME.1001.png`, `NAME.1002.png`... referenced as `./Textures/NAME.<UDIM>.png`.

Every file is written under a temporary name, beside its place in `Textures/`
(usd.placement) or in the export's staging folder, and renamed into place once
the whole export is done, so a reader never sees half a file, nor the textures
of an export that failed.
"""
import os
import re
import shutil
import sys

from . import udim
from .png import to_bytes, write_png

# sendfile copies from file to file on Linux (elsewhere only to sockets).
_SENDFILE = sys.platform.startswith("linux")
# Formats a USD renderer reads, by their first bytes -> file extension.
_MAGIC = ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"v/1\x01", ".exr"))
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_UDIM_TAIL = re.compile(r"[._]?(<UDIM>|<UVTILE>|1\d{3})$", re.IGNORECASE)

TEXTURES = "Textures"
UDIM_TOKEN = "<UDIM>"


MATERIAL_FALLBACK = "the material keeps its constant value"


class _Unavailable(Exception):
    """An image that cannot be written; the message says why."""


def write_texture(session, image, fallback=MATERIAL_FALLBACK):
    """Writes (or copies) a Blender image under the export folder's Textures/ and returns its
    relative asset path ("./Textures/NAME.ext"), or None when the image cannot be had
    (a missing file), with a report line ending in `fallback`, what the caller does instead.
    Each image is written once per export."""
    written = session.cache.setdefault("textures", {})
    key = image.name_full
    if key not in written:
        try:
            written[key] = _write(session, image)
        except _Unavailable as why:
            written[key] = why.with_traceback(None)  # kept without the frames it was raised in
        except (OSError, RuntimeError) as error:
            written[key] = _Unavailable(f"image {image.name!r} could not be written ({error})")
    result = written[key]
    if isinstance(result, _Unavailable):  # said once per use, as each caller falls back its own way
        session.report.warn(f"{result}; {fallback}")
        return None
    return result


def _write(session, image):
    folder = _textures_dir(session)
    if folder is None:
        return None
    if image.source == "TILED":
        if session.options.udim == "tiles":
            return _write_tiles(session, image, folder)
        return _write_atlas(session, image, folder)
    if image.source not in {"FILE", "GENERATED"}:
        raise _Unavailable(f"image {image.name!r}: {image.source.lower()} images are not exported as textures")
    packed = image.packed_file
    if packed is not None and not image.is_dirty:
        data = bytes(packed.data)
        ext = _format_of(data[:8])
        if ext:
            name = _claim(session, _stem(image), ext)
            _atomic(session, folder, name, lambda tmp: _write_bytes(tmp, data))
            return f"./{TEXTURES}/{name}"
    elif image.source == "FILE" and not image.is_dirty:
        source = _source_path(image)
        try:
            opened = open(source, "rb", buffering=0)  # read for its format, then copied, once open
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise _Unavailable(f"image {image.name!r}: file {source} not found") from None
        with opened:
            ext = _format_of(opened.read(8))
            if ext:
                name = _claim(session, _stem(image), ext)
                _atomic(session, folder, name, lambda tmp: _copy_open(opened, tmp))
                return f"./{TEXTURES}/{name}"
    return _encode(session, image, folder)


def _textures_dir(session):
    """`<export_dir>/Textures`; refused when it resolves outside the export folder (a symlink).
    Decided once per export."""
    if "textures_dir" not in session.cache:
        folder = os.path.join(session.export_dir, TEXTURES)
        # Only a symbolic link can lead elsewhere (resolving paths costs a system call a component).
        if os.path.islink(folder):
            root = os.path.realpath(session.export_dir)
            if os.path.dirname(os.path.realpath(folder)) != root:
                session.report.warn(f"{folder} points outside the export folder; no texture was written")
                folder = None
        session.cache["textures_dir"] = folder
    return session.cache["textures_dir"]


def _source_path(image, path=None):
    import bpy

    return os.path.normpath(bpy.path.abspath(path or image.filepath, library=image.library))


def _head(path):
    with open(path, "rb") as f:
        return f.read(8)


def _format_of(head):
    for magic, ext in _MAGIC:
        if head.startswith(magic):
            return ext
    return None


def _stem(image):
    """A safe file stem: the source file's name without extension (or the image's name), no UDIM tail."""
    base = os.path.basename(image.filepath.replace("\\", "/")) if image.filepath else ""
    stem = os.path.splitext(base)[0] if base else os.path.splitext(image.name)[0]
    if image.source == "TILED":
        stem = _UDIM_TAIL.sub("", stem)
    stem = _UNSAFE.sub("_", stem).lstrip(".")
    return stem or "image"


def _claim(session, stem, ext, udim=False):
    """A file name unique within this export (case-insensitively, for case-insensitive file systems)."""
    taken = session.cache.setdefault("texture_names", set())
    middle = "." + UDIM_TOKEN if udim else ""
    candidate, n = stem, 0
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}_{n}"
    taken.add(candidate.lower())
    return f"{candidate}{middle}{ext}"


def _atomic(session, folder, name, produce):
    """Produces `folder/name`, or nothing: a file left half made by a failure is removed. Written
    under a temporary name the session's placement (usd.placement) renames once the whole export is
    done; without one, the folder is the export's staging folder (exporter._write_atomically), which
    moves into place then."""
    path = os.path.join(folder, name)
    placement = session.placement
    if placement is not None:
        path = placement.temporary(path)
    else:
        os.makedirs(folder, exist_ok=True)  # only once something is written
    try:
        produce(path)
    except BaseException:
        if os.path.exists(path):
            os.unlink(path)
        if placement is not None:
            placement.forget(path)
        raise


def _copy_open(source, path):
    """Copies the open file `source` (unbuffered), whole, into a new file `path`: on Linux in the kernel
    (sendfile), elsewhere through Python's buffers."""
    with open(path, "wb", buffering=0) as target:
        size, offset = os.fstat(source.fileno()).st_size, 0
        while _SENDFILE and offset < size:
            try:
                sent = os.sendfile(target.fileno(), source.fileno(), offset, size - offset)
            except OSError:
                if offset:
                    raise
                break  # a file system that cannot: copied below
            if not sent:
                break
            offset += sent
        if offset < size:
            source.seek(offset)
            shutil.copyfileobj(source, target)


def _write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def _encode(session, image, folder):
    """Saves the image's pixels as PNG (EXR for float images) through a temporary data-block."""
    import numpy as np

    width, height = image.size
    if not width or not height:
        raise _Unavailable(f"image {image.name!r} has no pixels (a missing or unreadable file "
                           f"{image.filepath!r})")
    is_float = image.is_float
    pixels = np.empty(width * height * image.channels, np.float32)
    image.pixels.foreach_get(pixels)
    if image.channels != 4:  # the temporary image is RGBA
        pixels = _to_rgba(pixels.reshape(-1, image.channels)).ravel()
    name = _save_pixels(session, folder, _stem(image), pixels, width, height, is_float)
    session.report.info(f"image {image.name!r} written as {name}")
    return f"./{TEXTURES}/{name}"


def _save_pixels(session, folder, stem, pixels, width, height, is_float):
    """Saves RGBA pixels (flat, rows bottom-up) as `stem`.png (the file's encoded values, as a byte image
    holds them, in 0-1 or as bytes), or .exr when float (scene linear); returns the file name."""
    import bpy

    if not is_float:
        name = _claim(session, stem, ".png")
        _atomic(session, folder, name, lambda tmp: write_png(tmp, pixels, width, height))
        return name
    name = _claim(session, stem, ".exr")
    temp = bpy.data.images.new(".miris_texture", width, height, alpha=True, float_buffer=True)
    try:
        temp.colorspace_settings.name = "Non-Color"  # the values go through untouched
        temp.pixels.foreach_set(pixels)
        temp.file_format = "OPEN_EXR"

        def save(tmp):
            temp.filepath_raw = tmp
            temp.save()

        _atomic(session, folder, name, save)
    finally:
        bpy.data.images.remove(temp)
    return name


def _to_rgba(pixels):
    import numpy as np

    n, c = pixels.shape
    if c == 4:
        return pixels
    rgba = np.ones((n, 4), np.float32)
    if c < 3:  # grey (and alpha)
        rgba[:, :3] = pixels[:, :1]
        if c == 2:
            rgba[:, 3] = pixels[:, 1]
    else:
        rgba[:, :c] = pixels[:, :4]
    return rgba


def _tile_files(image):
    """(number, path) of each tile file of a UDIM image; packed or generated tiles are not supported."""
    pattern = image.filepath
    if image.packed_file is not None or UDIM_TOKEN not in pattern:
        raise _Unavailable(f"image {image.name!r}: UDIM tiles that are packed, generated or not named with "
                           "<UDIM> are not exported")
    tiles = [(t.number, _source_path(image, pattern.replace(UDIM_TOKEN, str(t.number)))) for t in image.tiles]
    missing = [path for _, path in tiles if not os.path.isfile(path)]
    if missing:
        raise _Unavailable(f"image {image.name!r}: UDIM tile file(s) {', '.join(missing)} not found")
    return tiles


def _write_atlas(session, image, folder):
    """Packs the tiles of a UDIM image into one atlas image (see usd.udim), downscaled when too large."""
    import bpy
    import numpy as np

    tiles = _tile_files(image)
    grid = udim.layout(image)
    if grid is None:
        raise _Unavailable(f"image {image.name!r}: its UDIM tiles could not be read")
    pixels, is_float = {}, image.is_float
    # An 8-bit atlas that needs no downscaling is built in bytes, a quarter of the pixels moved: its
    # tiles are only copied, each value as the file gets it.
    as_bytes = not is_float and max(grid[:2]) <= udim.MAX_SIZE
    for number, path in tiles:
        temp = bpy.data.images.load(path, check_existing=False)
        try:
            w, h = temp.size
            data = np.empty(w * h * temp.channels, np.float32)
            temp.pixels.foreach_get(data)
            rgba = _to_rgba(data.reshape(-1, temp.channels)).reshape(h, w, 4)
            pixels[number] = to_bytes(rgba) if as_bytes else rgba
        finally:
            bpy.data.images.remove(temp)
    atlas = udim.atlas_pixels(grid, pixels)
    full = atlas.shape
    atlas = udim.downscaled(atlas)
    height, width = atlas.shape[:2]
    name = _save_pixels(session, folder, _stem(image), atlas.ravel(), width, height, is_float)
    if atlas.shape != full:
        session.report.warn(f"image {image.name!r}: the atlas of its {len(tiles)} UDIM tiles, {full[1]}x{full[0]} "
                            f"px, is downscaled to {width}x{height} (at most {udim.MAX_SIZE} px a side)")
    session.report.info(f"image {image.name!r}: {len(tiles)} UDIM tile(s) packed into the atlas {name}")
    return f"./{TEXTURES}/{name}"


def _write_tiles(session, image, folder):
    """Copies every tile of a UDIM image, referenced with the <UDIM> token."""
    tiles = _tile_files(image)
    formats = {_format_of(_head(path)) for _, path in tiles}
    if len(formats) != 1 or None in formats:
        raise _Unavailable(f"image {image.name!r}: UDIM tiles must all be PNG, JPEG or EXR files to be "
                           "exported")
    ext = formats.pop()
    name = _claim(session, _stem(image), ext, udim=True)
    for number, path in tiles:
        _atomic(session, folder, name.replace(UDIM_TOKEN, str(number)),
                lambda tmp, src=path: shutil.copyfile(src, tmp))
    session.report.info(f"image {image.name!r}: {len(tiles)} UDIM tile(s) written as {name}; usdchecker and "
                        "OpenUSD's asset tools cannot resolve <UDIM> paths, so they are not checked")
    return f"./{TEXTURES}/{name}"
