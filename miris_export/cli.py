"""The command line: `blender -c miris_export IN.blend -o OUT.usdc`, and `python -m miris_export`.

`... stitch OUT.usdc CHUNK...` joins chunks; `... batch FILE.blend... --out-dir DIR` exports many files;
`... job-bundle FILE.blend BUNDLE -o OUT.usdc --frame-start 1 --frame-end 250` writes an OpenJD job bundle.

Options are made from the options' declarations: `--no-materials`,
`--evaluation-mode VIEWPORT`, `--frame-start 10`... A failure exits non-zero
with one line on stderr.
"""
import argparse
import os
import sys

from .farm.progress import MODES, Progress
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
    p.add_argument("--chunk-of", nargs=2, type=int, metavar=("FIRST", "LAST"),
                   help="write a chunk (the frames of --frame-start/--frame-end) of this whole range, for stitch")
    p.add_argument("--progress", choices=MODES, default="auto",
                   help="progress on stderr: a bar on a terminal, else plain lines (auto); openjd: OpenJD's lines")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def stitch_parser(prog):
    p = argparse.ArgumentParser(prog=f"{prog} stitch", description="Join chunk files into one USD file.")
    p.add_argument("output", help="the USD file to write (.usdc, .usda or .usdz)")
    p.add_argument("chunks", nargs="+", help="the chunk files, in any order")
    p.add_argument("--no-validate", dest="validate", action="store_false", help="do not validate the result")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def run_stitch(argv, prog):
    from .exporter import ExportError
    from .farm.stitch import stitch

    args = stitch_parser(prog).parse_args(argv)
    try:
        report = stitch(args.output, args.chunks, validate=args.validate)
    except (ExportError, OSError) as error:
        print(f"{prog} stitch: error: {error}", file=sys.stderr)
        return 1
    _print_report(report, args.json)
    return 0 if report.compliant else 1


def _print_report(report, as_json):
    if as_json:
        print(report.to_json())
    else:  # the report on stdout, the validator's findings on stderr
        print("\n".join(report.lines(findings=False)))
        for line in report.finding_lines():
            print(line, file=sys.stderr)


def run(argv, prog="miris_export"):
    """Parses `argv`, opens the .blend (or builds the demo scene), exports, prints the report.
    Returns the exit code."""
    if argv[:1] == ["stitch"]:
        return run_stitch(argv[1:], prog)
    if argv[:1] == ["job-bundle"]:
        from .farm.openjd import run_job_bundle

        return run_job_bundle(argv[1:], prog)
    if argv[:1] == ["batch"]:
        from .farm.batch import run_batch

        return run_batch(argv[1:], prog)
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
        report = exporter.ExportReport()
        report = exporter.export(output, options, chunk_of=args.chunk_of, progress=Progress(args.progress, report),
                                 report=report)
    except (exporter.ExportError, ValueError, OSError, RuntimeError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 1
    _print_report(report, args.json)
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
