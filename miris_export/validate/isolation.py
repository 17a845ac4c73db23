"""Validation in a child process, so a file that crashes or hangs the USD library costs a finding
(and exit 2), not the validator. One child serves many files; a new one takes over after a failure."""
import json
import os
import queue
import subprocess
import sys
import threading

from .finding import Finding
from . import unreadable

STARTUP_SECONDS = 30  # loading USD and its validator plugins, on top of the first file's time


def worker(paths, out=sys.stdout):
    """The child's side: one JSON line per file, in order, as each is done."""
    from . import validate_file

    for path in paths:
        try:
            findings = [f.as_dict() for f in validate_file(path)]
        except Exception as e:  # keep going: the parent needs a line for every file
            findings = [unreadable(path, "", f"the validator failed on it: {e}").as_dict()]
        out.write(json.dumps({"file": path, "findings": findings}) + "\n")
        out.flush()


def validate_isolated(paths, timeout, verbose=False):
    """{path: [Finding]} for each path, each file given at most `timeout` seconds."""
    results = {}
    pending = list(paths)
    while pending:
        results.update(_run_child(pending, timeout, verbose))
        pending = [p for p in pending if p not in results]
    return results


def _child_env():
    env = dict(os.environ)
    package_parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    return env


def _run_child(paths, timeout, verbose):
    """Results for a prefix of `paths`: all of them, or up to and including the one that failed."""
    command = [sys.executable, "-m", "miris_export.validate", "--worker", "--", *paths]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=None if verbose else subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL, env=_child_env(), text=True)
    lines = queue.Queue()

    def read():
        for line in child.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    results = {}
    try:
        for index, path in enumerate(paths):
            try:
                line = lines.get(timeout=timeout + (STARTUP_SECONDS if index == 0 else 0))
            except queue.Empty:
                results[path] = [unreadable(path, "", f"validation did not finish within {timeout:g} s; the "
                                            "file is too large or malformed")]
                return results
            if line is None:
                code = child.wait()
                how = f"signal {-code}" if code < 0 else f"exit code {code}"
                results[path] = [unreadable(path, "", f"the USD library crashed reading it ({how}); the file "
                                            "is corrupt")]
                return results
            data = json.loads(line)
            results[path] = [Finding(**f) for f in data["findings"]]
        return results
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        child.stdout.close()

