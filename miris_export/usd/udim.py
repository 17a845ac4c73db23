"""UDIM tiles packed into one atlas image, and UVs remapped into it.

A `<UDIM>` path is resolved by some renderers but not by OpenUSD's asset tools (usdchecker,
localization), so by default the tiles become one image: a grid of equal cells, each a tile with
its edge pixels repeated around it (so filtering and mipmaps do not bleed one tile into the next).
Tiles smaller than the largest are enlarged by repeating pixels. The layout depends only on the
tile numbers and sizes, so the material reader can name the remapping before the atlas is written.
"""
import math

import numpy as np

MAX_SIZE = 8192  # atlas side, px, beyond which it is halved until it fits (and reported)


def layout(image):
    """The atlas layout of a tiled image: (width, height, cell width, cell height, pad, ((number,
    x, y), ...)) in pixels before any downscaling, x and y the tile's lower-left texel; None when the
    tiles have no size (files that cannot be read)."""
    tiles = sorted((t.number, tuple(t.size)) for t in image.tiles)
    if not tiles or any(w <= 0 or h <= 0 for _, (w, h) in tiles):
        return None
    cw, ch = max(w for _, (w, _) in tiles), max(h for _, (_, h) in tiles)
    pad = max(2, max(cw, ch) // 64)
    cols = math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / cols)
    cells = tuple((number, (i % cols) * (cw + 2 * pad) + pad, (i // cols) * (ch + 2 * pad) + pad)
                  for i, (number, _) in enumerate(tiles))
    return (cols * (cw + 2 * pad), rows * (ch + 2 * pad), cw, ch, pad, cells)


def atlas_pixels(grid, tiles):
    """(height, width, 4) atlas from `tiles`, {number: (h, w, 4) pixels, rows bottom-up}, of their type."""
    width, height, cw, ch, pad, cells = grid
    atlas = np.zeros((height, width, 4), next(iter(tiles.values())).dtype)
    for number, x, y in cells:
        _enlarge_into(tiles[number], atlas[y:y + ch, x:x + cw])
        # The edge pixels repeated into the pad, rows first, then columns over the full height (the
        # corners): in place, where padding a copy of the tile would cost a copy more.
        cell = atlas[y - pad:y + ch + pad, x - pad:x + cw + pad]
        cell[:pad] = cell[pad]
        cell[pad + ch:] = cell[pad + ch - 1]
        cell[:, :pad] = cell[:, pad:pad + 1]
        cell[:, pad + cw:] = cell[:, pad + cw - 1:pad + cw]
    return atlas


def downscaled(atlas):
    """The atlas halved (2x2 averages) until both sides are at most MAX_SIZE."""
    while max(atlas.shape[:2]) > MAX_SIZE:
        h, w = atlas.shape[:2]
        atlas = np.pad(atlas, ((0, h % 2), (0, w % 2), (0, 0)), "edge")
        atlas = atlas.reshape(atlas.shape[0] // 2, 2, atlas.shape[1] // 2, 2, 4).mean(axis=(1, 3), dtype=np.float32)
    return atlas


def remap(uv, corner_face, face_count, grid):
    """(corners, 2) UVs moved from UDIM space into the atlas. Each face takes the tile its corners'
    average lies in, so corners on a tile border stay with their face; faces on tiles the image does
    not have keep their place in the first tile (Blender shows them empty)."""
    width, height, cw, ch, pad, cells = grid
    counts = np.bincount(corner_face, minlength=face_count)
    centre = np.stack([np.bincount(corner_face, uv[:, i], face_count) for i in (0, 1)], axis=1)
    centre /= np.maximum(counts, 1)[:, None]
    tile_uv = np.floor(centre)
    numbers = 1001 + tile_uv[:, 0] + 10 * tile_uv[:, 1]
    starts = np.zeros((face_count, 2))
    starts[:] = (cells[0][1], cells[0][2])
    for number, x, y in cells:
        starts[numbers == number] = (x, y)
    local = uv - tile_uv[corner_face]
    out = (starts[corner_face] + local * (cw, ch)) / (width, height)
    return out.astype(np.float32)


def _enlarge_into(tile, out):
    """Fills `out` (h, w, 4) with `tile` repeated up to its size (nearest texel), as Blender samples
    a smaller tile. np.take, several times faster than fancy indexing on rows of pixels."""
    th, tw = tile.shape[:2]
    h, w = out.shape[:2]
    if (th, tw) == (h, w):
        out[...] = tile
        return
    rows = np.minimum((np.arange(h) + 0.5) * th / h, th - 1).astype(int)
    cols = np.minimum((np.arange(w) + 0.5) * tw / w, tw - 1).astype(int)
    out[...] = np.take(np.take(tile, rows, 0), cols, 1)
