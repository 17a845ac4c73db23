"""The command line: `blender -c miris_export IN.blend -o OUT.usdc`, and `python -m miris_export`.

Options are made from the options' declarations: `--no-materials`,
`--evaluation-mode VIEWPORT`, `--frame-start 10`... A failure exits non-zero
with one line on stderr.
"""
import argparse
import os
import sys

from .options import ExportOptions, option_fields

_cli_handle = None


def parser(prog="miris_export"):
    p = argparse.ArgumentParser(prog=prog, description="Export a Blender scene as Miris-compliant USD.")
    p.add_argument("blend", nargs="?", help="the .blend file to export (none: a built-in demo scene)")
    p.add_argument("-o", "--output", help="the USD file to write (.usdc, .usda or .usdz); "
                                          "default: the .blend's name with .usdc, in the current folder")
    for name, default, meta in option_fields():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            p.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=default,
                           help=meta["description"])
        elif meta["choices"]:
            p.add_argument(flag, dest=name, choices=meta["choices"], default=default, help=meta["description"])
        elif default is None or isinstance(default, int):
            p.add_argument(flag, dest=name, type=int, default=default, help=meta["description"])
        else:
            p.add_argument(flag, dest=name, default=default, help=meta["description"])
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def run(argv, prog="miris_export"):
    """Parses `argv`, opens the .blend (or builds the demo scene), exports, prints the report.
    Returns the exit code."""
    import bpy

    from . import exporter

    args = parser(prog).parse_args(argv)
    try:
        options = ExportOptions(**{name: getattr(args, name) for name, _, _ in option_fields()})
        if args.blend:
            if not os.path.isfile(args.blend):
                raise exporter.ExportError(f"no such .blend file: {args.blend}")
            bpy.ops.wm.open_mainfile(filepath=os.path.abspath(args.blend))
            stem = os.path.splitext(os.path.basename(args.blend))[0]
        else:
            from .demo import build_demo_scene

            build_demo_scene()
            stem = "demo"
        output = args.output or f"{stem}.usdc"
        report = exporter.export(output, options)
    except (exporter.ExportError, ValueError, OSError, RuntimeError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(report.to_json())
    else:  # the report on stdout, the validator's findings on stderr
        print("\n".join(report.lines(findings=False)))
        for line in report.finding_lines():
            print(line, file=sys.stderr)
    if options.strict and not report.compliant:
        return 1
    return 0


def register():
    global _cli_handle
    import bpy

    if hasattr(bpy.utils, "register_cli_command"):
        _cli_handle = bpy.utils.register_cli_command("miris_export", run)


def unregister():
    global _cli_handle
    import bpy

    if _cli_handle is not None:
        bpy.utils.unregister_cli_command(_cli_handle)
        _cli_handle = None
