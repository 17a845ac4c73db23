"""Export hooks: studio code that extends an export, through a versioned API.

A hook is an object with any of these methods (all optional):

- `on_stage(stage, context)`: the new stage, before any object is written;
- `on_object(prim, obj, context)`: an exported object's Xform prim and its Blender object, once
  after the last frame (every frame, after the frame is written, when the hook's `per_frame` is True);
- `on_material(prim, material, context)`: each Material prim and its Blender material;
- `on_save(stage, report, context)`: the finished stage and the report, before the file is saved.

`context` is a `HookContext`. A hook written for a newer API than this exporter's says so with an
`api_version` attribute, and is then not called (with a report line) rather than called wrongly. Hooks are registered from Python with `register(hook)` (an instance of
`ExportHook`, or any object with those methods), or shipped by add-ons as subclasses of
`MirisUSDHook` registered with `bpy.utils.register_class`, whose methods are static methods, as with
`bpy.types.USDHook`.

Each hook authors into a layer of its own, stronger than the exporter's: a hook that raises is not
called again in that export, and what it authored is left out, with a report line; the export goes on.
What the hooks authored is merged into the file before it is saved, so the validator sees it too.
"""
from dataclasses import dataclass
from typing import Any

import bpy

API_VERSION = 1  # raised when a method or a context field changes incompatibly

METHODS = ("on_stage", "on_object", "on_material", "on_save")


class ExportHook:
    """Base class of hooks registered from Python; override the methods you need (see the module)."""

    api_version = API_VERSION  # the hook API the hook was written for
    per_frame = False  # True: on_object is called every frame, after the frame is written


class MirisUSDHook(bpy.types.PropertyGroup):
    """Base class of hooks an add-on ships: subclass it, write the methods as static methods, and
    register the subclass with `bpy.utils.register_class`."""

    api_version = API_VERSION
    per_frame = False


@dataclass
class HookContext:
    api_version: int
    options: Any  # the export's ExportOptions
    report: Any  # the export's ExportReport
    scene: Any
    filepath: str  # the file being written
    depsgraph: Any = None  # the evaluated depsgraph; valid only during the call
    frame: float = 0.0  # the frame last written


_registered = []


def register(hook):
    """Adds `hook` to every export from now on (once, however often it is registered)."""
    if not any(getattr(hook, m, None) for m in METHODS):
        raise TypeError(f"{hook!r} has none of the hook methods {', '.join(METHODS)}")
    if hook not in _registered:
        _registered.append(hook)


def unregister(hook):
    if hook in _registered:
        _registered.remove(hook)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def active():
    """The hooks of an export: those registered from Python, then the registered `MirisUSDHook`
    classes (a class is registered when Blender gave it its `bl_rna`)."""
    return list(_registered) + [cls for cls in _subclasses(MirisUSDHook) if "bl_rna" in cls.__dict__]


def hook_name(hook):
    cls = hook if isinstance(hook, type) else type(hook)
    return getattr(cls, "bl_label", "") or cls.__name__


class HookRun:
    """The hooks of one export, each authoring into its own anonymous sublayer of the session layer
    (stronger than the file's layer), merged into the file's layer by `merge()`."""

    def __init__(self, session, context, hooks):
        from pxr import Sdf

        self.session, self.context = session, context
        self.layers = {}
        for hook in hooks:
            wanted = getattr(hook, "api_version", API_VERSION)
            if wanted > API_VERSION:
                context.report.warn(f"export hook {hook_name(hook)}: not called, it needs hook API version "
                                    f"{wanted} and this exporter has {API_VERSION}")
                continue
            layer = Sdf.Layer.CreateAnonymous(f"hook_{hook_name(hook)}")
            self.stage.GetSessionLayer().subLayerPaths.insert(0, layer.identifier)  # a later hook is stronger
            self.layers[id(hook)] = (hook, layer)

    def __bool__(self):
        return bool(self.layers)

    @property
    def stage(self):
        """The export's stage, opened only when a hook is called (see ExportSession.stage)."""
        return self.session.stage

    @property
    def per_frame(self):
        """Whether a live hook asks to be called every frame (so every frame is evaluated)."""
        return any(getattr(hook, "per_frame", False) for hook, _ in self.layers.values())

    def call(self, method, *args, per_frame=None):
        """Calls `method` of every live hook (with `per_frame`, only hooks whose flag matches)."""
        for key, (hook, layer) in list(self.layers.items()):
            fn = getattr(hook, method, None)
            if fn is None or (per_frame is not None and bool(getattr(hook, "per_frame", False)) != per_frame):
                continue
            self.stage.SetEditTarget(layer)
            try:
                fn(*args, self.context)
            except Exception as error:  # noqa: BLE001  (a hook's failure costs its changes, not the export)
                self._drop(key, layer)
                self.context.report.warn(f"export hook {hook_name(hook)}: {method} failed ({type(error).__name__}: "
                                         f"{error}); what it authored is left out")
            finally:
                self.stage.SetEditTarget(self.stage.GetRootLayer())

    def _drop(self, key, layer):
        del self.layers[key]
        paths = self.stage.GetSessionLayer().subLayerPaths
        paths.remove(layer.identifier)

    def call_objects(self, hierarchy, per_frame):
        """on_object for each object written so far (instances are their object's copies: not called)."""
        if not any(getattr(h, "on_object", None) for h, _ in self.layers.values()):
            return
        objects = {o.name_full: o for o in bpy.data.objects}
        for key, writers in list(hierarchy.writers.items()):
            obj = objects.get(key[1]) if key and key[0] == "OB" else None
            if obj is not None and writers.transform is not None:
                self.call("on_object", writers.transform.prim, obj, per_frame=per_frame)

    def call_materials(self, made):
        """on_material for each Material prim made (`made`: session.cache's materials)."""
        materials = {m.name_full: m for m in bpy.data.materials}
        for (name, _), path in list(made.items()):
            if path is not None and name in materials:
                self.call("on_material", self.stage.GetPrimAtPath(path), materials[name])

    def merge(self):
        """Moves what the surviving hooks authored into the file's layer, keeping asset paths as
        authored (relative) and composition arcs as they are."""
        from pxr import UsdUtils

        if not self.layers:
            self.stage.GetSessionLayer().subLayerPaths.clear()
            return
        flat = UsdUtils.FlattenLayerStack(self.stage, lambda layer, path: path)
        self.stage.GetSessionLayer().subLayerPaths.clear()
        self.layers.clear()
        self.stage.GetRootLayer().TransferContent(flat)
