"""What a renderer pays to load a written file: open it with usd-core and compute the world bounds of
every mesh it draws, instances included. Run in a fresh process by run.py; prints JSON with the
memory this took (the high-water mark above the resident size once pxr is loaded).

    python benchmarks/bounds.py FILE.usdc
"""
import json
import sys

from pxr import Usd, UsdGeom


def _status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def main(path):
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the high-water mark (Linux)
    except OSError:
        pass
    baseline = _status_kb("VmRSS")
    stage = Usd.Stage.Open(path)
    cache = UsdGeom.BBoxCache(Usd.TimeCode.Default(), [UsdGeom.Tokens.default_, UsdGeom.Tokens.render])
    meshes = 0
    for prim in stage.Traverse(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)):
        if prim.IsA(UsdGeom.Mesh) and UsdGeom.Imageable(prim).ComputeVisibility() != "invisible":
            cache.ComputeWorldBound(prim)
            meshes += 1
    print(json.dumps({"meshes": meshes, "baseline_kb": baseline, "peak_kb": _status_kb("VmHWM")}))


if __name__ == "__main__":
    main(sys.argv[1])
