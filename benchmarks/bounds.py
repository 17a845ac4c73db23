"""What a renderer pays to load a written file: open it with usd-core and compute the world bounds of
every mesh it draws, instances included. Run in a fresh process by run.py; prints JSON with the
memory this took (the high-water mark above the resident size once pxr is loaded).

    python benchmarks/bounds.py FILE.usdc
"""
import json
import sys

from memory import reset_high_water_mark, status_kb
from pxr import Usd, UsdGeom


def main(path):
    reset_high_water_mark()
    baseline = status_kb("VmRSS")
    stage = Usd.Stage.Open(path)
    cache = UsdGeom.BBoxCache(Usd.TimeCode.Default(), [UsdGeom.Tokens.default_, UsdGeom.Tokens.render])
    meshes = 0
    for prim in stage.Traverse(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)):
        if prim.IsA(UsdGeom.Mesh) and UsdGeom.Imageable(prim).ComputeVisibility() != "invisible":
            cache.ComputeWorldBound(prim)
            meshes += 1
    print(json.dumps({"meshes": meshes, "baseline_kb": baseline, "peak_kb": status_kb("VmHWM")}))


if __name__ == "__main__":
    main(sys.argv[1])
