"""`python -m miris_export [IN.blend] -o OUT.usdc [options]`, with Blender as a Python module.

`python -m miris_export stitch ...` needs only usd-core and does not load Blender."""
import sys

if sys.argv[1:2] != ["stitch"]:
    import bpy  # noqa: F401  (loaded before anything asks for pxr, so Blender's own USD is used)

from .cli import run

sys.exit(run(sys.argv[1:], prog="python -m miris_export"))
