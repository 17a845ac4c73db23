"""What an export did: the file, what it wrote by kind, what it dropped or changed, and how long it took."""
import json
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class ExportReport:
    filepath: str = ""
    prims: Counter = field(default_factory=Counter)  # prims written by kind ("Mesh", "Xform", ...)
    warnings: list = field(default_factory=list)  # something dropped, converted or missing
    infos: list = field(default_factory=list)  # something the user may want to know
    findings: list = field(default_factory=list)  # validator findings on the written file
    frames: tuple = (0, 0)  # first and last frame exported
    matrices: int = 0  # objects whose transform is one matrix op: it cannot be split (shear)
    frames_evaluated: int = 0  # frame changes made in Blender
    seconds: float = 0.0
    default_light: str = ""  # the path of the light added because the scene had none, if one was

    _said: set = field(default_factory=set, repr=False)  # each line is said once

    def warn(self, message):
        if message not in self._said:
            self._said.add(message)
            self.warnings.append(message)

    def info(self, message):
        if message not in self._said:
            self._said.add(message)
            self.infos.append(message)

    def count(self, kind, n=1):
        self.prims[kind] += n

    @property
    def errors(self):
        return [f for f in self.findings if getattr(f, "severity", "error") == "error"]

    @property
    def compliant(self):
        return not self.errors

    def summary(self):
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.prims.items())) or "nothing"
        if self.matrices:
            kinds += f" ({self.matrices} with a matrix transform: sheared)"
        first, last = self.frames
        span = f"frame {first}" if first == last else f"frames {first}-{last}"
        return f"Exported {kinds} ({span}) to {self.filepath} in {self.seconds:.2f} s"

    def lines(self, findings=True):
        out = [self.summary()]
        out += [f"WARNING: {w}" for w in self.warnings]
        out += [f"INFO: {i}" for i in self.infos]
        if findings:
            out += self.finding_lines()
        return out

    def finding_lines(self):
        return [f"{getattr(f, 'severity', 'error').upper()}: {f}" for f in self.findings]

    def to_json(self):
        return json.dumps({
            "filepath": self.filepath,
            "prims": dict(self.prims),
            "matrix_transforms": self.matrices,
            "frames_evaluated": self.frames_evaluated,
            "frames": list(self.frames),
            "seconds": round(self.seconds, 3),
            "warnings": self.warnings,
            "infos": self.infos,
            "findings": [str(f) for f in self.findings],
            "compliant": self.compliant,
        }, indent=2)

    def __str__(self):
        return "\n".join(self.lines())
