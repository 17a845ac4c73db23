"""The Miris validator: whether a USD file will be accepted by Miris, and why not.

`validate_file(path)` returns a list of `Finding`s: the Miris USD Specification's rules (modules by
topic here) plus OpenUSD's own validators (`usdchecker.py`). Referenced, payloaded and sublayered
files are validated too, recursively, each once. Its imports never reach `bpy`, so it runs with
`usd-core` alone: `python -m miris_export.validate FILE... [--json]`.
"""
import os
import re

from .. import usd as _usd  # noqa: F401  (Blender's own pxr when running inside Blender)
from pxr import Ar, Sdf, Tf, Usd

from . import (assets, composition, hierarchy, lights, materials, materialx, metadata, schemas,  # noqa: F401
               skel, usdchecker)
from .finding import ERROR, REFERENCE, ROOT, RULES, SUBLAYER, WARNING, Finding
from .package import package_findings
from .subject import Subject

__all__ = ["Finding", "validate_file", "cannot_read", "UNREADABLE", "ERROR", "WARNING"]

UNREADABLE = "miris:Unreadable"
EXTENSIONS = (".usd", ".usda", ".usdc", ".usdz")
FORMATS = "Accepted Formats"


def validate_file(path, *, name=None):
    """Every finding for the USD file at `path` and the files it brings in. Findings about the file as
    a whole name it `name` (default: its file name)."""
    path = os.fspath(path)
    findings = []
    visited = set()
    pending = [(path, ROOT, name or "")]
    top = os.path.dirname(os.path.abspath(path))
    while pending:
        file, role, label = pending.pop(0)
        subject, opened = _open(file, role, label)
        findings += opened
        if subject is None:
            continue
        visited.add(_key(file))
        findings += _run_rules(subject)
        for dependency, dependency_role in _dependencies(subject.layer):
            if _key(dependency) not in visited and all(_key(p[0]) != _key(dependency) for p in pending):
                pending.append((dependency, dependency_role, os.path.relpath(dependency, top)))
    return findings


def cannot_read(findings, path):
    """Whether the file at `path` itself (not one it brings in) could not be read."""
    name = os.path.basename(os.fspath(path))
    return any(f.rule == UNREADABLE and f.path == name for f in findings)


def unreadable(path, label, message):
    return Finding(UNREADABLE, ERROR, label or os.path.basename(path), message, FORMATS)


def _key(path):
    return os.path.normcase(os.path.realpath(path)) if os.path.exists(path) else path


def _open(path, role, label):
    """(Subject or None, findings about the file as a file)."""
    ext = os.path.splitext(path.rstrip("]"))[1].lower()
    if ext not in EXTENSIONS:
        return None, [Finding("miris:FileFormat", ERROR, label or os.path.basename(path),
                              f"{ext or 'no extension'}: accepted formats are {', '.join(EXTENSIONS)}", FORMATS)]
    if not Ar.IsPackageRelativePath(path):
        if not os.path.isfile(path):
            return None, [unreadable(path, label, "no such file")]
        if os.path.getsize(path) == 0:
            return None, [unreadable(path, label, "the file is empty")]
    findings = []
    if ext == ".usdz" and not Ar.IsPackageRelativePath(path):
        findings, readable = package_findings(path, label or os.path.basename(path))
        if not readable:
            return None, findings
    try:
        layer = Sdf.Layer.FindOrOpen(path)
        stage = Usd.Stage.Open(layer) if layer and role != SUBLAYER else None
    except Tf.ErrorException as e:
        return None, findings + [unreadable(path, label, f"USD cannot read it: {_first_line(e)}")]
    if layer is None or (role != SUBLAYER and stage is None):
        return None, findings + [unreadable(path, label, "USD cannot read it")]
    return Subject(path, layer, stage, role, label), findings


def _first_line(error):
    """The message of a Tf error without its C++ function, file and line."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    quoted = re.search(r" in file \S+ : '(.*)'\s*$", text)
    return (quoted.group(1) if quoted else text).strip() or type(error).__name__


def _run_rules(subject):
    findings = []
    for fn, roles in RULES:
        if subject.role not in roles:
            continue
        try:
            findings.extend(fn(subject))
        except Exception as e:  # a rule defeated by odd data must not hide the others' findings
            findings.append(subject.warning("miris:RuleFailed", "", f"the check {fn.__name__} could not run: "
                                            f"{_first_line(e)}", "Validation"))
    return findings


def _dependencies(layer):
    """(resolved path, role) of each file the layer brings in that exists; absolute and missing ones
    are findings of the asset rule."""
    sublayers = set(layer.subLayerPaths)
    for asset in layer.GetCompositionAssetDependencies():
        if not asset or assets.is_absolute(asset):  # no asset: an internal reference
            continue
        resolved = Ar.GetResolver().Resolve(layer.ComputeAbsolutePath(asset))
        if resolved:
            yield str(resolved), SUBLAYER if asset in sublayers else REFERENCE
