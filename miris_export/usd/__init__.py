"""USD helpers. Importing this package makes `pxr` importable.

Inside Blender (and in the `bpy` module) the exporter must use the USD that
Blender ships, not another copy that may be installed beside it, so when `bpy`
is already loaded its bundled site-packages goes first on `sys.path`. Without
`bpy` (the standalone validator) whatever `pxr` is installed serves, normally
the `usd-core` wheel. This module never imports `bpy` itself.
"""
import os
import sys


def _prefer_blenders_pxr():
    bpy = sys.modules.get("bpy")
    if bpy is None or "pxr" in sys.modules:
        return
    try:
        local = bpy.utils.resource_path("LOCAL")
    except Exception:  # a stub or a broken install: fall back to any pxr
        return
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    for site in (
        os.path.join(local, "python", "lib", version, "site-packages"),
        os.path.join(local, "python", "lib", "site-packages"),
    ):
        if os.path.isdir(os.path.join(site, "pxr")):
            if site not in sys.path:
                sys.path.insert(0, site)
            return


_prefer_blenders_pxr()
