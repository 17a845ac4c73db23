"""The one immutable options object every entry point builds and the exporter reads.

Each option carries its label, description and panel group, from which the
operator's properties, the command line and the documentation are made, so an
option is declared here and nowhere else.
"""
from dataclasses import dataclass, field, fields

FORMATS = (".usdc", ".usda", ".usdz")
EVALUATION_MODES = ("RENDER", "VIEWPORT")
UDIM_MODES = ("atlas", "tiles")


def option(default, label, description, group, choices=None):
    return field(default=default, metadata={"label": label, "description": description, "group": group,
                                            "choices": choices})


@dataclass(frozen=True)
class ExportOptions:
    # Include
    selected_only: bool = option(False, "Selected Only", "Export only selected objects", "Include")
    visible_only: bool = option(True, "Visible Only", "Export only objects visible in the chosen evaluation mode",
                                "Include")
    collection: str = option("", "Collection", "Export only the objects of this collection (empty: the whole "
                             "view layer)", "Include")
    linked_as_references: bool = option(False, "Linked as References", "Write each collection linked from a "
                                        "library and instanced in the scene once, to its own file in Assets/ "
                                        "beside the output, and reference it there; off: one self-contained file",
                                        "Include")
    custom_properties: bool = option(True, "Custom Properties", "Export the custom properties of objects and "
                                     "their data as the prims' customData", "Include")
    # Animation
    animation: bool = option(True, "Animation", "Export the frame range as time samples; off: the current frame "
                             "only", "Animation")
    frame_start: int | None = option(None, "Start", "First frame (default: the scene's)", "Animation")
    frame_end: int | None = option(None, "End", "Last frame (default: the scene's)", "Animation")
    # Geometry
    evaluation_mode: str = option("RENDER", "Evaluation", "Modifiers and visibility as rendered or as in the "
                                  "viewport", "Geometry", choices=EVALUATION_MODES)
    normals: bool = option(True, "Normals", "Export normals, custom split normals included", "Geometry")
    uvs: bool = option(True, "UV Maps", "Export every UV map; the active render map is named st", "Geometry")
    colors: bool = option(True, "Color Attribute", "Export the active render color attribute as displayColor",
                          "Geometry")
    instancing: bool = option(True, "Instancing", "Write each distinct instanced or shared mesh once, its copies "
                              "as instanceable references to it; off: real copies", "Geometry")
    skeletons: bool = option(True, "Skeletons", "Export armatures as UsdSkel skeletons with joint animation, and "
                             "the meshes they deform as skinned meshes; off: deformed meshes as point samples",
                             "Geometry")
    deform_bones_only: bool = option(True, "Deform Bones Only", "Only deform bones become joints; off: every bone",
                                     "Geometry")
    # Materials and lights
    materials: bool = option(True, "Materials", "Export materials as UsdPreviewSurface under /Materials",
                             "Materials")
    udim: str = option("atlas", "UDIM", "UDIM tiles packed into one atlas image with remapped UVs, which "
                       "usdchecker resolves; or kept as tiles behind <UDIM> paths", "Materials", choices=UDIM_MODES)
    bake_textures: bool = option(False, "Bake Textures", "Bake, with Cycles on the CPU, the base colour, "
                                 "roughness, metallic, normal and emission that UsdPreviewSurface cannot express "
                                 "(procedural textures, colour ramps...) into images on the active UV map",
                                 "Materials")
    bake_resolution: int = option(1024, "Bake Resolution", "Width and height of baked images, in pixels",
                                  "Materials")
    materialx: bool = option(False, "MaterialX", "Also write each material as a MaterialX OpenPBR Surface in the "
                             "mtlx render context, beside its UsdPreviewSurface", "Materials")
    default_light: bool = option(True, "Default Light", "Add a light when the scene has none, as the Miris "
                                 "specification requires one", "Lights")
    # Checks
    validate: bool = option(True, "Validate", "Check the written file against the Miris specification",
                            "Checks")
    strict: bool = option(False, "Strict", "Fail the export, writing nothing, when the file is not compliant",
                          "Checks")

    def __post_init__(self):
        if self.evaluation_mode not in EVALUATION_MODES:
            raise ValueError(f"evaluation_mode must be one of {EVALUATION_MODES}, not {self.evaluation_mode!r}")
        if self.udim not in UDIM_MODES:
            raise ValueError(f"udim must be one of {UDIM_MODES}, not {self.udim!r}")
        if not 1 <= self.bake_resolution <= 16384:
            raise ValueError(f"bake_resolution must be between 1 and 16384, not {self.bake_resolution}")
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


def option_fields():
    """(name, default, metadata) of every option, in declaration order."""
    return [(f.name, f.default, f.metadata) for f in fields(ExportOptions)]
