"""A .usdz package: the exported layer and every file it uses, stored uncompressed and aligned."""
from pxr import Sdf, UsdUtils


def pack(layer_path, usdz_path):
    """Packs the layer and the files it references, at their relative paths, into `usdz_path`.
    Returns False when USD could not."""
    return bool(UsdUtils.CreateNewUsdzPackage(Sdf.AssetPath(layer_path), usdz_path))
