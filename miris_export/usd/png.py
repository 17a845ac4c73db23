"""8-bit RGBA PNG files written from pixels with zlib, a few times quicker than Blender's image save."""
import struct
import zlib

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_LEVEL = 1  # zlib: on the corpus, files within 2 % of the size of Blender's, at a fraction of its time


def to_bytes(pixels):
    """Values in 0-1 as 8-bit values, rounded as Blender stores them in a byte image (so an image read
    from an 8-bit file is written back with the same values)."""
    scaled = np.multiply(pixels, np.float32(255), dtype=np.float32)
    scaled += np.float32(0.5)
    np.fmax(scaled, 0, out=scaled)  # fmax: NaN becomes 0
    np.minimum(scaled, 255, out=scaled)
    return scaled.astype(np.uint8)


def write_png(path, pixels, width, height):
    """Writes RGBA `pixels` (flat, floats or bytes, rows bottom-up as Blender keeps them) as an 8-bit
    RGBA PNG."""
    pixels = pixels if pixels.dtype == np.uint8 else to_bytes(pixels)
    rows = pixels.reshape(height, width * 4)[::-1]  # PNG rows go top-down
    # Each row filtered "Up" (the difference from the row above, modulo 256): smooth images compress
    # better so, and numpy does it for all rows at once.
    lines = np.empty((height, width * 4 + 1), np.uint8)
    lines[:, 0] = 2
    lines[:, 1:] = rows
    lines[1:, 1:] -= rows[:-1]
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, no interlace
    with open(path, "wb") as f:
        f.write(_SIGNATURE)
        for kind, data in ((b"IHDR", header), (b"IDAT", zlib.compress(lines.tobytes(), _LEVEL)), (b"IEND", b"")):
            f.write(struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data)))
