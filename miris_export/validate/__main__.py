"""python -m miris_export.validate FILE... [--json]

Exit status: 0 every file compliant (warnings allowed), 1 violations, 2 a file could not be read."""
import argparse
import json
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m miris_export.validate",
                                     description="Check USD files against the Miris USD Specification 1.0 "
                                     "and OpenUSD's validators.")
    parser.add_argument("files", nargs="+", metavar="FILE", help=".usd, .usda, .usdc or .usdz files")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                        help="give up on a file after this long (default: 120)")
    parser.add_argument("--in-process", action="store_true",
                        help="validate in this process: faster, but a corrupt file may crash it")
    parser.add_argument("--verbose", action="store_true", help="show the USD library's own messages")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        from .isolation import worker

        worker(args.files)
        return 0

    from . import cannot_read, validate_file
    from .isolation import validate_isolated

    if args.in_process:
        results = {path: validate_file(path) for path in args.files}
    else:
        results = validate_isolated(args.files, args.timeout, args.verbose)

    if args.json:
        json.dump({"files": [{"file": path, "compliant": not _errors(findings),
                              "findings": [f.as_dict() for f in findings]}
                             for path, findings in results.items()]}, sys.stdout, indent=2)
        print()
    else:
        for path, findings in results.items():
            errors = _errors(findings)
            verdict = "not compliant" if errors else "compliant"
            print(f"{path}: {verdict} ({len(errors)} error(s), {len(findings) - len(errors)} warning(s))")
            for finding in findings:
                print(f"  {finding.severity.upper()}: {finding}")
    if any(cannot_read(findings, path) for path, findings in results.items()):
        return 2
    return 1 if any(_errors(findings) for findings in results.values()) else 0


def _errors(findings):
    return [f for f in findings if f.severity == "error"]


if __name__ == "__main__":
    sys.exit(main())
