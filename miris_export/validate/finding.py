"""A finding of the validator, and the registry of rules that produce them."""
from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"

# Roles a file plays in a validation: the file itself, a file it references (or loads as a payload),
# or one of its sublayers, whose content is checked through the stage that composes it.
ROOT, REFERENCE, SUBLAYER = "root", "reference", "sublayer"
COMPOSED = (ROOT, REFERENCE)
ALL_ROLES = (ROOT, REFERENCE, SUBLAYER)


@dataclass(frozen=True)
class Finding:
    rule: str  # "miris:MetersPerUnit", or the identifier of an OpenUSD validator's error
    severity: str  # "error" | "warning"
    path: str  # the prim or property path, or the layer, where the problem is
    message: str
    section: str  # the section of the Miris USD Specification 1.0 the rule enforces

    def __str__(self):
        return f"{self.path}: {self.message} [{self.rule}; spec: {self.section}]"

    def as_dict(self):
        return asdict(self)


RULES = []  # (function, roles) in the order rules run


def rule(roles=COMPOSED):
    """Registers `fn(subject) -> iterable of Finding` for files playing one of `roles`."""
    def register(fn):
        RULES.append((fn, roles))
        return fn
    return register
