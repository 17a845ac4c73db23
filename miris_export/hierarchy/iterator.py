"""Which objects are exported, under which export parent, in what order.

The format-agnostic walk over the evaluated depsgraph, once per frame, after
Blender's AbstractHierarchyIterator. It knows nothing of USD: a subclass maps
what it finds to its own paths and writers.

- An object's export parent is its nearest exported ancestor; the transforms
  of ancestors that are not exported are folded into its local matrix.
- Objects with nothing of their own to write (empties, armatures, data
  that is empty or of a type no writer takes) are exported weakly: only when
  they carry exported children or instances.
- Instances (collections, particles, geometry nodes) are exported as real
  copies under their instancer.
- The evaluated geometry of curves, text, surfaces and metaballs (and what
  geometry nodes add to an object beside its own data) comes from the
  depsgraph as "components" of the object: instances at the object's own
  place. They are exported as the object's data, not as children.
- One writer per exported object, created at the first frame it exists.
"""
from dataclasses import dataclass
from typing import Any

import numpy as np

# Instances are only valid while the depsgraph iterator is on them, so they are
# written as they are met; real objects are gathered first to find parents.


@dataclass
class ExportContext:
    key: tuple  # stable identity across frames
    name: str  # the Blender name the exported name derives from
    object: Any  # evaluated object; valid only during this frame
    parent_key: tuple | None  # None: top level
    local_matrix: Any = None  # 4x4 float64, relative to the export parent (top level: to USD's world)
    world_matrix: Any = None  # 4x4 float64, Blender world space
    show_self: bool = True  # False: the object draws nothing itself (a hidden instancer)
    is_instance: bool = False
    is_component: bool = False  # a piece of the parent's own evaluated geometry
    depth: int = 0


# Unused levels of an instance's persistent_id hold this value.
_UNUSED_LEVEL = 2**31 - 1


def object_key(obj):
    return ("OB", obj.original.name_full)


def is_component(inst):
    """An object's own evaluated geometry: a first-level instance of the object itself
    (collection instances are of other objects, geometry-node instances are deeper)."""
    return inst.object.original == inst.parent.original and all(v == _UNUSED_LEVEL for v in inst.persistent_id[1:])


class HierarchyIterator:
    """Subclasses provide `data_kind`, `create_writer`, `write` and optionally `batch`."""

    def __init__(self, options, view_layer, top_matrix):
        self.options = options
        self.view_layer = view_layer
        self.top_matrix = top_matrix  # 4x4 float64 applied once, to the world matrix of top-level objects
        self.writers = {}  # key -> writer, for the whole export
        self._has_data = {}  # key -> bool, decided the first time an object is met
        self._failed = set()  # keys of objects whose writer raised
        self._wanted = _ObjectFilter(options, view_layer)

    # --- for subclasses -----------------------------------------------------
    def data_kind(self, obj):
        """A writer kind for the object's own data, or None when it has none to write."""
        raise NotImplementedError

    def has_data(self, ctx):
        return self.data_kind(ctx.object) is not None

    def create_writer(self, ctx):
        raise NotImplementedError

    def write(self, writer, ctx):
        raise NotImplementedError

    def batch(self):
        """A context in which a frame's values are written (USD: an Sdf.ChangeBlock)."""
        from contextlib import nullcontext

        return nullcontext()

    def skipped(self, ctx):
        """Called once for an object that is not exported because it has nothing to write."""

    def failed(self, ctx, error):
        """Called once for an object whose writer raised; it is left out from then on."""

    def frame_done(self, written, created):
        """Called after each frame with the keys written and those whose writer was created."""

    # --- the walk -------------------------------------------------------------
    def iterate(self, depsgraph):
        """Exports one frame."""
        contexts = self._real_objects(depsgraph)
        created = [ctx.key for ctx in contexts if self._create(ctx)]
        with self.batch():
            written = {ctx.key for ctx in contexts if self._write(ctx)}
        exported = {ctx.key: ctx for ctx in contexts}
        for inst in depsgraph.object_instances:
            if inst.is_instance:
                ctx = self._instance_context(inst, exported)
                if ctx is None:
                    continue
                if self._create(ctx):
                    created.append(ctx.key)
                with self.batch():
                    if self._write(ctx):
                        written.add(ctx.key)
        self.frame_done(written, created)

    def _create(self, ctx):
        """Creates the object's writer the first time it is met; True when it did."""
        if ctx.key in self.writers or ctx.key in self._failed:
            return False
        try:
            self.writers[ctx.key] = self.create_writer(ctx)
        except Exception as error:  # one object Blender hands over broken must not lose the export
            self._fail(ctx, error)
            return False
        return True

    def _write(self, ctx):
        writer = self.writers.get(ctx.key)
        if writer is None:
            return False
        try:
            self.write(writer, ctx)
        except Exception as error:
            self._fail(ctx, error)
            return False
        return True

    def _fail(self, ctx, error):
        self._failed.add(ctx.key)
        self.writers.pop(ctx.key, None)
        self.failed(ctx, error)

    def _real_objects(self, depsgraph):
        found, instancers = {}, set()
        for inst in depsgraph.object_instances:
            if inst.is_instance:
                if inst.parent is not None:
                    instancers.add(object_key(inst.parent))
                continue
            obj = inst.object
            if not self._wanted(obj):
                continue
            key = object_key(obj)
            found[key] = ExportContext(key, obj.name, obj, None, world_matrix=np.array(obj.matrix_world, np.float64),
                                       show_self=inst.show_self)
        for ctx in found.values():
            ctx.parent_key = self._export_parent(ctx.object, found)
        for ctx in found.values():
            ctx.depth = self._depth(ctx, found)
        kept = self._prune_weak(found, instancers)
        for ctx in kept:
            parent = found.get(ctx.parent_key)
            ctx.local_matrix = self._local(ctx.world_matrix, parent.world_matrix if parent else None)
        return kept

    @staticmethod
    def _export_parent(obj, found):
        parent = obj.parent
        while parent is not None:
            key = object_key(parent)
            if key in found:
                return key
            parent = parent.parent
        return None

    @staticmethod
    def _depth(ctx, found):
        depth, key = 0, ctx.parent_key
        while key is not None:
            depth += 1
            key = found[key].parent_key
        return depth

    def _prune_weak(self, found, instancers):
        """Drops objects with nothing to write and no exported children, deepest first."""
        ordered = sorted(found.values(), key=lambda c: (c.depth, c.key))
        children = {}
        for ctx in ordered:
            if ctx.parent_key is not None:
                children[ctx.parent_key] = children.get(ctx.parent_key, 0) + 1
        kept = []
        for ctx in reversed(ordered):
            if self._writes_something(ctx) or children.get(ctx.key) or ctx.key in instancers:
                kept.append(ctx)
            else:
                if ctx.parent_key is not None:
                    children[ctx.parent_key] -= 1
                if ctx.key not in self.writers:
                    self.skipped(ctx)
        kept.reverse()
        return kept

    def _writes_something(self, ctx):
        """Whether the object has data of its own to write. Once true it stays true (the data
        writer exists); until then it is asked again each frame, as data may appear later."""
        if self._has_data.get(ctx.key):
            return True
        has = self._has_data[ctx.key] = bool(ctx.show_self and self.has_data(ctx))
        return has

    def _instance_context(self, inst, exported):
        parent = exported.get(object_key(inst.parent)) if inst.parent is not None else None
        if parent is None:
            return None
        obj = inst.object
        component = is_component(inst)
        key = (parent.key, obj.name_full, tuple(inst.persistent_id))
        world = np.array(inst.matrix_world, np.float64)
        ctx = ExportContext(key, obj.name, obj, parent.key, world_matrix=world, is_instance=True,
                            is_component=component, depth=parent.depth + 1)
        if not self._writes_something(ctx):
            return None
        ctx.local_matrix = self._local(world, parent.world_matrix)
        return ctx

    def _local(self, world, parent_world):
        """The matrix relative to the export parent, in float64 so static children stay static."""
        if parent_world is None:
            return self.top_matrix @ world
        try:
            return np.linalg.solve(parent_world, world)
        except np.linalg.LinAlgError:  # a parent scaled to zero
            return np.linalg.pinv(parent_world) @ world


class _ObjectFilter:
    """The options that choose objects: selected only, one collection."""

    def __init__(self, options, view_layer):
        import bpy

        self.options = options
        self.view_layer = view_layer
        self.members = None
        if options.collection:
            collection = bpy.data.collections.get(options.collection)
            if collection is None:
                raise ValueError(f"no collection named {options.collection!r} in this file")
            self.members = {o.name_full for o in collection.all_objects}

    def __call__(self, obj):
        original = obj.original
        if self.members is not None and original.name_full not in self.members:
            return False
        if self.options.selected_only and not original.select_get(view_layer=self.view_layer):
            return False
        # Visibility is the depsgraph's: it evaluates only what the chosen mode shows
        # (see blender/evaluation.py), or everything when hidden objects are included.
        return True
