"""What every writer of one export shares: the layer, the options, the report, the current frame."""
from dataclasses import dataclass, field
from typing import Any

from .usd.naming import SiblingNames


@dataclass
class ExportSession:
    layer: Any  # the file's Sdf.Layer, which writers author into
    options: Any
    report: Any
    view_layer: Any
    top_matrix: Any  # Blender world -> USD world: Z-up to Y-up and the scene's unit scale
    export_dir: str  # the folder the file goes to; textures go below it
    placement: Any = None  # usd.placement.Placement of the textures, or None: export_dir is a staging folder
    animated: bool = False
    chunk: bool = False  # a chunk export: values written densely for the stitch (see usd.sparse)
    first_frame: float = 0.0
    sampled: bool = False  # more than one frame is evaluated: writers read again what can change
    frame: float = 0.0
    names: SiblingNames = field(default_factory=SiblingNames)
    evaluation: Any = None  # blender/evaluation.py's Evaluation: keyed visibility, frame changes
    skins: dict = field(default_factory=dict)  # object key -> blender.skinning.Skin of each skinned mesh
    assets: dict = field(default_factory=dict)  # instancer key -> assembly.AssetFile it references
    cache: dict = field(default_factory=dict)  # per-export caches of writers that share work (materials...)
    _stage: Any = field(default=None, init=False, repr=False)

    @property
    def stage(self):
        """A Usd stage on the layer, opened when first asked for (hooks, values sampled through USD's
        sparse writer, visibility over the frames, chunk exports): an open stage composes again after
        every change to the layer, which costs small exports more than their authoring."""
        if self._stage is None:
            from pxr import Usd

            self._stage = Usd.Stage.Open(self.layer)
        return self._stage
