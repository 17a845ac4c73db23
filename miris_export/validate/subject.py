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
        """Every active, defined, non-abstract prim of the scene graph, through instance proxies: the
        contents of each instance's prototype are visited once, under the first instance met, so a
        finding inside a prototype is reported once, at a path of the scene."""
        prims, seen = [], set()
        walk = iter(Usd.PrimRange(self.stage.GetPseudoRoot(), Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)))
        next(walk)  # the pseudo-root
        for prim in walk:
            prims.append(prim)
            if prim.IsInstance():
                prototype = prim.GetPrototype().GetPath()
                if prototype in seen:
                    walk.PruneChildren()
                seen.add(prototype)
        return prims

    @property
    def prims(self):
        """The prims the content rules visit: the scene prims, instances' contents included."""
        return self.scene_prims
