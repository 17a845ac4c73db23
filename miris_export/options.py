"""The one immutable options object every entry point builds and the exporter reads."""
from dataclasses import dataclass, fields, replace

FORMATS = (".usdc", ".usda", ".usdz")
EVALUATION_MODES = ("RENDER", "VIEWPORT")


@dataclass(frozen=True)
class ExportOptions:
    # Which objects
    selected_only: bool = False
    visible_only: bool = True
    collection: str = ""  # name of a collection to export; empty: the whole view layer
    # Time
    animation: bool = True  # False: only the current frame
    frame_start: int | None = None  # None: the scene's range
    frame_end: int | None = None
    # Geometry
    evaluation_mode: str = "RENDER"  # modifiers and visibility as rendered, or as in the viewport
    normals: bool = True
    uvs: bool = True
    colors: bool = True
    # Materials, lights, checks
    materials: bool = True
    default_light: bool = True  # add a light when the scene has none, so the file stays compliant
    validate: bool = True  # run the Miris validator on the written file
    strict: bool = False  # fail the export (and leave no file) when the output is not compliant

    def __post_init__(self):
        if self.evaluation_mode not in EVALUATION_MODES:
            raise ValueError(f"evaluation_mode must be one of {EVALUATION_MODES}, not {self.evaluation_mode!r}")
        if self.frame_start is not None and self.frame_end is not None and self.frame_end < self.frame_start:
            raise ValueError(f"frame_end ({self.frame_end}) is before frame_start ({self.frame_start})")

    @classmethod
    def from_kwargs(cls, **kwargs):
        """Options from keyword arguments, with a clear error for a name that is not an option."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - names)
        if unknown:
            raise TypeError(f"unknown export option(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        return cls(**kwargs)

    def with_(self, **changes):
        return replace(self, **changes)


def option_names():
    return [f.name for f in fields(ExportOptions)]
