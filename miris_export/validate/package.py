"""A .usdz package's own structure, checked before USD reads it: a zip whose entries are relative,
stay inside the package, are stored uncompressed and start with a USD layer."""
import re
import zipfile

from .finding import ERROR, Finding

FORMATS = "Accepted Formats"
_DRIVE = re.compile(r"^[A-Za-z]:")


def package_findings(path, where):
    """(findings, readable): readable is False when the file is not a zip at all."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        return [Finding("miris:Unreadable", ERROR, where, f"not a usdz package: {e}", FORMATS)], False
    if not entries:
        return [Finding("miris:Unreadable", ERROR, where, "the usdz package is empty", FORMATS)], False
    findings = []

    def problem(message):
        findings.append(Finding("miris:UsdzPackage", ERROR, where, message, FORMATS))

    if not entries[0].filename.lower().endswith((".usd", ".usda", ".usdc")):
        problem(f"the package's first file is {entries[0].filename!r}, not a USD layer")
    for entry in entries:
        name = entry.filename
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in re.split(r"[\\/]", name):
            problem(f"the package holds {name!r}: paths inside a usdz must be relative, without '..'")
        if entry.compress_type != zipfile.ZIP_STORED:
            problem(f"{name!r} is compressed; a usdz stores its files uncompressed")
    return findings, True
