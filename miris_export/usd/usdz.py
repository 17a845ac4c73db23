"""A .usdz package: the exported layer and every file it uses, stored uncompressed and aligned."""
import os
import shutil
import tempfile

from pxr import Sdf, UsdUtils


def write_package(usdz_path, layer_name, write_layer):
    """Has `write_layer(layer_path)` write the layer into a staging folder beside `usdz_path` (its
    textures go below that folder, as beside any export), then packs the layer and the files it
    references, at their relative paths, into `usdz_path`. The staging folder is always removed, so
    no Textures/ folder is left beside the package. Returns False when USD could not pack."""
    staging = tempfile.mkdtemp(prefix=".miris-usdz-", dir=os.path.dirname(usdz_path))
    try:
        layer_path = os.path.join(staging, layer_name)
        write_layer(layer_path)
        return bool(UsdUtils.CreateNewUsdzPackage(Sdf.AssetPath(layer_path), usdz_path))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
