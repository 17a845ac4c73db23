"""One file under validation: its layer, its composed stage and the prims the content rules visit."""
import os
from functools import cached_property

from .. import usd as _usd  # noqa: F401  (Blender's own pxr when running inside Blender)
from pxr import Usd

from .finding import ERROR, ROOT, WARNING, Finding


class Subject:
    def __init__(self, path, layer, stage, role, label):
        self.path = path  # the file on disk (or inside a package)
        self.layer = layer  # its root layer
        self.stage = stage  # the stage composed from it
        self.role = role
        self.label = label or os.path.basename(path)  # how findings name this file

    def where(self, path=""):
        """A finding's location: a prim/property path, prefixed by the file when it is a dependency;
        the file's name for the file as a whole."""
        path = str(path) if path else ""
        if not path:
            return self.label
        return path if self.role == ROOT else f"{self.label}:{path}"

    def error(self, rule, path, message, section):
        return Finding(rule, ERROR, self.where(path), message, section)

    def warning(self, rule, path, message, section):
        return Finding(rule, WARNING, self.where(path), message, section)

    @cached_property
    def default_prim(self):
        return self.stage.GetDefaultPrim()

    @cached_property
    def scene_prims(self):
        """Every active, defined, non-abstract prim of the scene graph (instances' contents excluded)."""
        return list(self.stage.Traverse())

    @cached_property
    def prims(self):
        """The scene prims plus the contents of instance prototypes, each prototype visited once."""
        prims = list(self.scene_prims)
        for prototype in self.stage.GetPrototypes():
            prims.extend(Usd.PrimRange(prototype))
        return prims
