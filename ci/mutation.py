"""Mutation testing of the core modules with cosmic-ray, outside the default test run.

Each module is mutated one change at a time (operators swapped, constants changed, statements
removed...) and the test files that cover it are run against every mutant: a mutant the tests
still pass is a "survivor", behaviour no test guards. The work happens in a copy of the working
tree, so the sources here are never touched, even when a run is interrupted.

    .venv/bin/python -m pip install -r ci/requirements-dev.txt
    .venv/bin/python ci/mutation.py                      # every core module (about half an hour)
    .venv/bin/python ci/mutation.py usd/sparse.py        # one module
    .venv/bin/python ci/mutation.py --show usd/stage.py  # with the diff of each survivor

Prints killed / total per module and each surviving mutant; exits 1 when a module keeps less than
90 % of its mutants killed. Survivors judged equivalent are listed in ci/mutation-equivalents.md.
"""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "miris_export"
TARGET = 0.90

# module (under miris_export/) -> the test files that cover it, kept small so a run takes minutes
MODULES = {
    "usd/sparse.py": ["test_sparse.py", "test_lights.py"],
    "usd/stage.py": ["test_stage.py", "test_hierarchy.py", "test_world.py"],
    "blender/mesh_data.py": ["test_mesh.py", "test_sparse.py", "test_materials.py::test_face_bindings_follow_blenders_slots"],
    "lights/units.py": ["test_lights.py"],
    "materials/binding.py": ["test_materials.py"],
    "writers/xform.py": ["test_transform_ops.py",
                         "test_farm_stitch.py::test_objects_whose_names_collide_get_the_names_of_the_single_export",
                         "test_hostile.py::test_zero_scale_objects_and_their_children_keep_blenders_transforms",
                         "test_hostile.py::test_a_transform_that_is_not_a_number_is_reported"],
    "writers/skeleton.py": ["test_skeletons.py"],
    "usd/prototypes.py": ["test_instancing.py"],
}
_running = []  # the cosmic-ray process under way, stopped with this script


def copy_tree(dest):
    """The working tree as it is (uncommitted changes included), with the virtual environments linked."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, files):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    for venv in (".venv", ".venv-4.2"):
        if (REPO / venv).exists():
            os.symlink((REPO / venv).resolve(), dest / venv)


def config(module, tests, timeout):
    command = " ".join([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
                        *(f"tests/{t}" for t in tests)])
    return (f'[cosmic-ray]\nmodule-path = "{PACKAGE}/{module}"\ntimeout = {timeout}\n'
            f'excluded-modules = []\ntest-command = "{command}"\n\n'
            '[cosmic-ray.distributor]\nname = "local"\n')


def results(db_path):
    """[(killed, mutation, diff)] of a finished session."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome

    with use_db(str(db_path), WorkDB.Mode.open) as db:
        return [(result.test_outcome != TestOutcome.SURVIVED, item.mutations[0], result.diff)
                for item, result in db.completed_work_items]


def run(*command, cwd):
    """Runs `command`, returning its exit status; stopping this script stops it too."""
    process = subprocess.Popen(command, cwd=cwd)
    _running.append(process)
    try:
        return process.wait()
    finally:
        _running.remove(process)


def stop(*_):
    for process in _running:
        process.terminate()
    sys.exit(1)  # the temporary copy is removed on the way out


def run_module(work, module, show, timeout):
    name = module.replace("/", "_").removesuffix(".py")
    cfg, db = work / f"{name}.toml", work / f"{name}.sqlite"
    cfg.write_text(config(module, MODULES[module], timeout))
    cosmic = [sys.executable, "-m", "cosmic_ray.cli"]  # not the script, whose first line names one venv
    run(*cosmic, "init", str(cfg), str(db), cwd=work)
    if run(*cosmic, "baseline", str(cfg), cwd=work):
        sys.exit(f"{module}: the tests fail without any mutation")
    if run(*cosmic, "exec", str(cfg), str(db), cwd=work):
        sys.exit(f"{module}: cosmic-ray failed")
    outcome = results(db)
    killed = sum(k for k, _, _ in outcome)
    share = killed / len(outcome) if outcome else 1.0
    print(f"{module}: {killed} / {len(outcome)} mutants killed ({share:.0%})", flush=True)
    for was_killed, mutation, diff in outcome:
        if not was_killed:
            print(f"  survived: line {mutation.start_pos[0]}, {mutation.operator_name} #{mutation.occurrence}")
            if show and diff:
                print("    " + "\n    ".join(diff.splitlines()[2:]))
    return share


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", choices=[[], *MODULES], metavar="MODULE",
                        help=f"modules under {PACKAGE}/ (default: all of {', '.join(MODULES)})")
    parser.add_argument("--show", action="store_true", help="print each survivor's diff")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a mutant's tests may take")
    args = parser.parse_args()
    os.environ.pop("MIRIS_CORPUS_REQUIRED", None)  # the corpus tests are not among those chosen
    signal.signal(signal.SIGTERM, stop)
    with tempfile.TemporaryDirectory(prefix="miris-mutation-") as tmp:
        work = Path(tmp)
        copy_tree(work)
        shares = {m: run_module(work, m, args.show, args.timeout) for m in args.modules or MODULES}
    low = [m for m, share in shares.items() if share < TARGET]
    if low:
        sys.exit(f"below {TARGET:.0%} killed: {', '.join(low)}")


if __name__ == "__main__":
    main()
