"""Open Job Description job bundles: the job template in this package and the parameter values for
one .blend, which `openjd run` runs locally and `deadline bundle submit` sends to AWS Deadline Cloud."""
import argparse
import json
import os
import shutil
import sys

TEMPLATE = os.path.join(os.path.dirname(__file__), "job_template.yaml")


def parameter_values(blend, output, frame_start, frame_end, chunk_size, export_options="", command=None):
    """The job's parameter values, by name."""
    if chunk_size < 1:
        raise ValueError(f"the chunk size must be at least 1, not {chunk_size}")
    if frame_end < frame_start:
        raise ValueError(f"the frame range {frame_start}-{frame_end} is empty")
    values = {
        "BlendFile": os.path.abspath(blend),
        "OutputDir": os.path.dirname(os.path.abspath(output)),
        "OutputName": os.path.basename(output),
        "FrameStart": int(frame_start),
        "FrameEnd": int(frame_end),
        "ChunkSize": int(chunk_size),
        "ExportOptions": export_options,
    }
    if command:
        values["MirisCommand"] = command
    return values


def write_bundle(folder, values):
    """Writes `template.yaml` and `parameter_values.yaml` (Deadline Cloud's form, JSON being YAML) into
    `folder`, and `parameters.json` (a plain map, for `openjd run -p file://...`). Returns the folder."""
    os.makedirs(folder, exist_ok=True)
    shutil.copyfile(TEMPLATE, os.path.join(folder, "template.yaml"))
    deadline = {"parameterValues": [{"name": k, "value": v} for k, v in values.items()]}
    with open(os.path.join(folder, "parameter_values.yaml"), "w", encoding="utf-8") as f:
        json.dump(deadline, f, indent=2)
    with open(os.path.join(folder, "parameters.json"), "w", encoding="utf-8") as f:
        json.dump(values, f, indent=2)
    return folder


def run_job_bundle(argv, prog):
    p = argparse.ArgumentParser(prog=f"{prog} job-bundle", description="Write an OpenJD job bundle exporting a "
                                ".blend in frame chunks, stitched into one file.")
    p.add_argument("blend", help="the .blend file")
    p.add_argument("bundle", help="the folder to write the bundle to")
    p.add_argument("-o", "--output", required=True, help="the USD file the job writes")
    p.add_argument("--frame-start", type=int, required=True)
    p.add_argument("--frame-end", type=int, required=True)
    p.add_argument("--chunk-size", type=int, default=25)
    p.add_argument("--export-options", default="", help='export flags for every chunk, e.g. "--no-materials"')
    p.add_argument("--command", help='how workers run the exporter (default "python -m miris_export")')
    args = p.parse_args(argv)
    try:
        values = parameter_values(args.blend, args.output, args.frame_start, args.frame_end, args.chunk_size,
                                  args.export_options, args.command)
        write_bundle(args.bundle, values)
    except (ValueError, OSError) as error:
        print(f"{prog} job-bundle: error: {error}", file=sys.stderr)
        return 1
    print(f"Wrote the job bundle {args.bundle}: {len(values)} parameters, frames {args.frame_start}-"
          f"{args.frame_end} in chunks of {args.chunk_size}")
    return 0
