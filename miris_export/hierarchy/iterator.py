"""Which objects are exported, under which export parent, in what order.

The format-agnostic walk over the evaluated depsgraph, once per frame, after
Blender's AbstractHierarchyIterator. It knows nothing of USD: a subclass maps
what it finds to its own paths and writers.

- An object's export parent is its nearest exported ancestor; the transforms
  of ancestors that are not exported are folded into its local matrix.
- Objects with nothing of their own to write (empties, armatures, data
  that is empty or of a type no writer takes) are exported weakly: only when
  they carry exported children or instances.
- Instances (collections, particles, geometry nodes) are exported under
  their instancer: as copies of a shared prototype when instancing is on
  (see instances.py), else as real copies.
- The evaluated geometry of curves, text, surfaces and metaballs (and what
  geometry nodes add to an object beside its own data) comes from the
  depsgraph as "components" of the object: instances at the object's own
  place. They are exported as the object's data, not as children.
- One writer per exported object, created at the first frame it exists.
"""
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..blender.evaluation import animated_paths
from ..matrices import inverse, relative_pairs
from .instances import InstanceKeys

# Instances are only valid while the depsgraph iterator is on them, so they are
# written as they are met; real objects are gathered first to find parents.


@dataclass(slots=True)
class ExportContext:
    key: tuple  # stable identity across frames
    object: Any  # evaluated object; valid only during this frame
    parent_key: tuple | None  # None: top level
    # 4x4 float64, relative to the export parent (top level: to USD's world); set for instances only,
    # when not deferred (HierarchyIterator.defer_instances): real objects' are worked out for all
    # frames at once at the end (gather_transforms)
    local_matrix: Any = None
    world_matrix: Any = None  # 4x4 float64, Blender world space; a real object's only where read (iterate)
    show_self: bool = True  # False: the object draws nothing itself (a hidden instancer, a hidden object)
    hidden: bool = False  # hidden at this frame by keyed visibility: its instances too, not its children
    is_instance: bool = False
    is_component: bool = False  # a piece of the parent's own evaluated geometry
    prototype: tuple | None = None  # the key of the prototype this copy shows, None: not shared
    depth: int = 0
    parent_world: Any = None  # an instance's: its instancer's world matrix

    @property
    def name(self):
        """The Blender name the exported name derives from."""
        return self.object.name


# Unused levels of an instance's persistent_id hold this value.
_UNUSED_LEVEL = 2**31 - 1


# Object types whose evaluation adds no instances or geometry components of their own (see
# is_component), unless they instance, emit particles or run geometry nodes.
_PLAIN_TYPES = frozenset({"MESH", "EMPTY", "LIGHT", "CAMERA", "ARMATURE"})


def object_key(obj):
    return ("OB", obj.original.name_full)


class Layout(list):
    """[(key, export parent's key or None, depth)] of a frame's real objects, parents first, with
    indices into it: the top-level ones (`top`), the others (`child`) and each one's export parent
    (`child_parent`); the objects among the depsgraph's objects (`listed`) and their places there
    (`rows`), and the others (`unlisted`: instancers that do not show themselves)."""

    __slots__ = ("top", "child", "child_parent", "listed", "rows", "unlisted")


def is_component(inst):
    """An object's own evaluated geometry: a first-level instance of the object itself
    (collection instances are of other objects, geometry-node instances are deeper)."""
    return inst.object.original == inst.parent.original and all(v == _UNUSED_LEVEL for v in inst.persistent_id[1:])


class HierarchyIterator:
    """Subclasses provide `data_kind`, `create_writer`, `write` and optionally `batch`."""

    def __init__(self, options, view_layer, top_matrix, evaluation=None, referenced=frozenset()):
        self.options = options
        # Keys of instancers whose instances are written in a file of their own (linked.py): the
        # instancer is exported, its instances are not.
        self.referenced = frozenset(referenced)
        # blender/evaluation.py's Evaluation: the objects whose visibility is keyed are asked each frame
        self.evaluation = evaluation
        self._keyed = evaluation.keyed_visibility if evaluation is not None else frozenset()
        self.view_layer = view_layer
        self.top_matrix = top_matrix  # 4x4 float64 applied once, to the world matrix of top-level objects
        self.writers = {}  # key -> writer, for the whole export
        self.created = 0  # how many writers were created so far (some may have failed since)
        self._has_data = {}  # key -> bool, decided the first time an object is met
        self._failed = set()  # keys of objects whose writer raised
        self._layout_signature = None  # the objects the cached layout is for
        self._layout_cache = Layout()
        self._instancers = set()  # this frame's objects with instances to write
        self._pruned = []  # keys left out of the cached layout
        self._wanted = ObjectFilter(options, view_layer, evaluation)
        self._instance_keys = InstanceKeys() if options.instancing else None
        self._inverses = {}
        # True: an instance's context gives its instancer's world matrix, not its local matrix, which
        # the writer works out for all frames at once (UsdHierarchy._localize_instances).
        self.defer_instances = False
        self._sources = {}  # (original object, evaluated data) pointers -> see _source, this frame
        # True (set by a subclass): a frame whose objects are the frame before's is not walked: their
        # matrices are read at once, and only writers called each frame get their objects (_repeat_frame).
        self.repeat_frames = False
        self._repeat = None  # what _repeat_frame needs of the frame before, when it may be repeated

    # --- for subclasses -----------------------------------------------------
    def data_kind(self, obj):
        """A writer kind for the object's own data, or None when it has none to write."""
        raise NotImplementedError

    def has_data(self, obj):
        return self.data_kind(obj) is not None

    def shareable(self, obj):
        """Whether copies of the object's data may share one prototype (instancing)."""
        return False

    def prepare(self, contexts):
        """Called with the objects met for the first time in a frame (if any), before their writers are
        created."""

    def create_writer(self, ctx):
        """The object's writer: anything with a `live` attribute, true while `write` must be
        called for it each frame."""
        raise NotImplementedError

    def data_appeared(self, writer, ctx):
        """Called, outside the frame's batch, when an object exported so far for its children or
        instances only (it was hidden, or drew nothing) has data of its own to write from now on."""

    def write(self, writer, ctx):
        """Writes the frame's values of one object: its data, and for instances its transform
        (real objects' transforms come through gather_transforms)."""
        raise NotImplementedError

    def batch(self):
        """A context in which a frame's values are written (USD: an Sdf.ChangeBlock)."""
        from contextlib import nullcontext

        return nullcontext()

    def skipped(self, ctx):
        """Called once for an object that is not exported because it has nothing to write."""

    def failed(self, ctx, error):
        """Called once for an object whose writer raised; it is left out from then on."""

    def frame_done(self, written, created, undrawn):
        """Called after each frame with the keys written, those whose writer was created, and those
        of objects exported for their children or instances that draw nothing themselves."""

    # --- the walk -------------------------------------------------------------
    def iterate(self, depsgraph):
        """Exports one frame."""
        if self._repeat is not None and self._repeat_frame(depsgraph):
            return
        contexts, matrices = self._real_objects(depsgraph)
        new = [ctx for ctx in contexts if ctx.key not in self.writers and ctx.key not in self._failed]
        # The world matrices of the contexts, for the writers and the instances that read them; in
        # other frames they are only gathered, and worked out for all frames at once at the end.
        if new or self._instancers:
            self._place(contexts, matrices)
        if new:
            self.prepare(new)
        created = self.create_new(new)
        for ctx in contexts:  # kept for children or instances while hidden, drawn from this frame on
            if ctx.show_self and not self._has_data.get(ctx.key) and ctx.key in self.writers \
                    and self._writes_something(ctx.key, ctx.object):
                self._place(contexts, matrices)
                try:
                    self.data_appeared(self.writers[ctx.key], ctx)
                except Exception as error:
                    self._fail(ctx, error)
        # The transforms of all real objects go over at once; each object is called only
        # while it has data that may change.
        self.gather_transforms(self._layout_cache, matrices)
        live = [ctx for ctx in contexts if (writer := self.writers.get(ctx.key)) is not None and writer.live]
        if live:
            with self.batch():
                for ctx in live:
                    self._write(ctx)
        written = {ctx.key for ctx in contexts if ctx.key in self.writers}
        exported = {ctx.key: ctx for ctx in contexts if not ctx.hidden}
        self._inverses = {}  # instancer key -> inverse of its world matrix (deferred: the matrix), this frame
        self._sources = {}
        if self._instance_keys is not None:
            self._instance_keys.new_frame()
        # The instances met in a row that have writers already are written in one batch: a writer
        # is created outside of it (prims are defined outside of batches).
        batch = None
        try:
            for inst in depsgraph.object_instances if self._instancers else ():
                if inst.is_instance and not (self.referenced and self._written_elsewhere(inst)):
                    ctx = self._instance_context(inst, exported)
                    if ctx is None:
                        continue
                    if ctx.key not in self.writers and ctx.key not in self._failed:
                        if batch is not None:
                            batch.__exit__(None, None, None)
                            batch = None
                        if self._create(ctx):
                            created.append(ctx.key)
                    if batch is None:
                        batch = self.batch()
                        batch.__enter__()
                    if self._write(ctx):
                        written.add(ctx.key)
        finally:
            if batch is not None:
                batch.__exit__(None, None, None)
        undrawn = {ctx.key for ctx in contexts if not ctx.show_self}
        self.frame_done(written, created, undrawn)
        self._repeat = self._repeatable(depsgraph, contexts, written, undrawn) if self.repeat_frames else None

    def _repeatable(self, depsgraph, contexts, written, undrawn):
        """(how many objects the depsgraph has, `written`, `undrawn`, [(context, its place among the
        depsgraph's objects)] of the writers called each frame, whether an instancing type is keyed)
        when the next frame may repeat this one: no instances, no keyed visibility, no object whose
        data may yet appear (left out of the layout while it has none, or kept without it), and no
        object able to add geometry of its own, nor to instance but by an instancing type keyed on
        later (see _repeat_frame; collections' visibility cannot be keyed). Else None, and where the
        objects themselves rule it out, this is not asked again."""
        if self._instancers or len(self._layout_cache.unlisted) or self._keyed or self._pruned:
            return None
        live = []
        for place, ctx in enumerate(contexts):
            writers = self.writers.get(ctx.key)
            if writers is None:
                continue
            if ctx.show_self and not self._has_data.get(ctx.key) and self.data_kind(ctx.object) is not None:
                return None
            if writers.live:
                live.append((ctx, int(self._layout_cache.rows[place])))
        objects = depsgraph.objects
        if any(obj.type not in _PLAIN_TYPES or obj.instance_type != "NONE" or len(obj.particle_systems)
               or any(mod.type == "NODES" for mod in obj.modifiers) for obj in objects):
            self.repeat_frames = False
            return None
        # Only an instancing type keyed or driven can make one of them an instancer at a later frame.
        keyed = any(path.endswith("instance_type") for obj in objects for path in animated_paths(obj.original))
        return len(objects), written, undrawn, live, keyed

    def _repeat_frame(self, depsgraph):
        """Exports a frame that repeats the one before (see _repeatable) when it has as many objects,
        none of them an instancer, and the writers called each frame find their objects in the same
        places: the objects are not walked, their matrices are read at once. Returns whether it did."""
        count, written, undrawn, live, keyed_instancing = self._repeat
        objects = depsgraph.objects
        if len(objects) != count:
            return False
        if keyed_instancing:
            instancing = np.empty(count, bool)  # an instancing type keyed on at this frame
            objects.foreach_get("is_instancer", instancing)
            if np.count_nonzero(instancing):
                return False
        contexts = []
        for ctx, row in live:
            if not self.writers[ctx.key].live:
                continue
            obj = objects[row]
            if object_key(obj) != ctx.key:
                return False
            ctx.object, ctx.world_matrix = obj, None  # the context is the iterator's own: renewed in place
            contexts.append(ctx)
        flat = np.empty(count * 16, np.float32)
        objects.foreach_get("matrix_world", flat)
        self.gather_transforms(self._layout_cache, (flat, None))
        if contexts:
            with self.batch():
                failed = [ctx.key for ctx in contexts if not self._write(ctx)]
            if failed:  # gone from the writers: walked again from the next frame
                written, self._repeat = written - set(failed), None
        self.frame_done(written, [], undrawn)
        return True

    def gather_transforms(self, layout, matrices):
        """Called each frame with the layout of the real objects and their matrices as read, from
        which `world_matrices` gives their world matrices and `local_matrices` their transforms."""

    def finish(self):
        """Called once after the last frame."""
        with self.batch():
            for writer in self.writers.values():
                self.finish_writer(writer)

    def finish_writer(self, writer):
        """Lets a writer write what it gathered over the frames."""

    def create_new(self, contexts):
        """Creates the writers of the objects new this frame, in their order; returns the keys of those
        created."""
        return [ctx.key for ctx in contexts if self._create(ctx)]

    def _create(self, ctx):
        """Creates the object's writer the first time it is met; True when it did."""
        if ctx.key in self.writers or ctx.key in self._failed:
            return False
        try:
            self.writers[ctx.key] = self.create_writer(ctx)
        except Exception as error:  # one object Blender hands over broken must not lose the export
            self._fail(ctx, error)
            return False
        self.created += 1
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
        """This frame's exported real objects, parents before children (their world matrices not yet
        set: see `_place`), and their matrices as read (the depsgraph's objects', the unlisted ones')."""
        objects, instancers, order = {}, set(), []
        instancer_objects = {}  # key -> evaluated instancer
        for inst in depsgraph.object_instances:
            if inst.is_instance:
                # An instancer counts once one of its instances has something to write
                # (an empty text object's geometry, say, has nothing).
                if inst.parent is not None:
                    parent = object_key(inst.parent)
                    if parent not in instancers and (parent in self.referenced or self.has_data(inst.object)):
                        instancers.add(parent)
                        instancer_objects[parent] = inst.parent
                continue
            obj = inst.object
            key = object_key(obj)
            order.append(key)
            if self._wanted(key, obj):
                # Hidden by keyed visibility: kept for its children, which stay in place and visible.
                hidden = key[1] in self._keyed and not self.evaluation.shown(key[1])
                objects[key] = (obj, inst.show_self and not hidden, hidden)
        # An instancer that does not show itself (Show Instancer off for vertex, face or geometry-node
        # instances) is not among the depsgraph's objects; it is exported for its instances.
        listed = set(order) if len(instancer_objects) else ()
        unlisted = {}
        for key, obj in instancer_objects.items():
            if key not in listed and self._wanted(key, obj):
                hidden = key[1] in self._keyed and not self.evaluation.shown(key[1])
                objects[key] = (obj, False, hidden)
                unlisted[key] = np.array(obj.matrix_world, np.float64)
        self._instancers = instancers
        layout = self._layout(depsgraph, order, objects, instancers)
        if not layout:
            return [], (None, None)
        # All world matrices in one call: far quicker than each object's matrix_world.
        flat = np.empty(len(order) * 16, np.float32)
        depsgraph.objects.foreach_get("matrix_world", flat)
        extra = np.array([unlisted[layout[i][0]] for i in layout.unlisted]) if len(layout.unlisted) else None
        contexts = []
        for key, parent_key, depth in layout:
            obj, show_self, hidden = objects[key]
            contexts.append(ExportContext(key, obj, parent_key, None, None, show_self, hidden, depth=depth))
        return contexts, (flat, extra)

    def _place(self, contexts, matrices):
        """Sets the world matrices of this frame's contexts (`matrices` as `_real_objects` read them)."""
        if contexts and contexts[0].world_matrix is None:
            flat, extra = matrices
            world = self.world_matrices(self._layout_cache, flat[None], None if extra is None else extra[None])[0]
            for ctx, matrix in zip(contexts, world):
                ctx.world_matrix = matrix

    @staticmethod
    def world_matrices(layout, flats, extras):
        """The world matrices (F, K, 4, 4), float64, of the objects of `layout` at F frames, from the
        matrices read at each (`flats`: the depsgraph's objects' (F, N * 16); `extras`: those of its
        unlisted objects (F, U, 4, 4), or None when it has none)."""
        # foreach_get gives each matrix column by column: transposed, they are Blender's rows.
        rows = flats.reshape(len(flats), -1, 4, 4)[:, layout.rows].transpose(0, 1, 3, 2)
        if not len(layout.unlisted):
            return np.ascontiguousarray(rows, np.float64)
        world = np.empty((len(flats), len(layout), 4, 4))
        world[:, layout.listed] = rows
        world[:, layout.unlisted] = extras
        return world

    def _layout(self, depsgraph, order, objects, instancers):
        """The Layout of these objects (`order`: the depsgraph's objects).

        Worked out again only when the objects, the instancers or the data of a pruned
        object change, which in most animations is never after the first frame."""
        signature = (tuple(order), tuple(objects), frozenset(instancers))
        if signature == self._layout_signature and not any(
                self._writes_something(key, *objects[key][:2]) for key in self._pruned):
            return self._layout_cache
        parents = {key: self._export_parent(obj, objects) for key, (obj, _, _) in objects.items()}
        depth = {key: self._depth(key, parents) for key in objects}
        kept = self._prune_weak(objects, parents, depth, instancers)
        index = {key: i for i, key in enumerate(kept)}
        layout = self._layout_cache = Layout((key, parents[key], depth[key]) for key in kept)
        parent_index = np.array([index.get(parents[key], -1) for key in kept], int)
        layout.top, layout.child = np.flatnonzero(parent_index < 0), np.flatnonzero(parent_index >= 0)
        layout.child_parent = parent_index[layout.child]
        place = {object_key(obj): i for i, obj in enumerate(depsgraph.objects)}
        rows = np.array([place.get(key, -1) for key in kept], int)  # -1: an unlisted instancer
        layout.listed, layout.unlisted = np.flatnonzero(rows >= 0), np.flatnonzero(rows < 0)
        layout.rows = rows[layout.listed]
        self._layout_signature = signature
        self._pruned = [key for key in objects if key not in index]
        return self._layout_cache

    @staticmethod
    def _export_parent(obj, objects):
        parent = obj.parent
        while parent is not None:
            key = object_key(parent)
            if key in objects:
                return key
            parent = parent.parent
        return None

    @staticmethod
    def _depth(key, parents):
        depth, key = 0, parents[key]
        while key is not None:
            depth += 1
            key = parents[key]
        return depth

    def _prune_weak(self, objects, parents, depth, instancers):
        """The keys of objects with something to write or exported children or instances,
        parents first; the others are reported as skipped."""
        ordered = sorted(objects, key=lambda k: (depth[k], k))
        children = {}
        for key in ordered:
            if parents[key] is not None:
                children[parents[key]] = children.get(parents[key], 0) + 1
        kept = []
        for key in reversed(ordered):  # deepest first, so a pruned child no longer counts for its parent
            obj, show_self, _ = objects[key]
            if self._writes_something(key, obj, show_self) or children.get(key) or key in instancers:
                kept.append(key)
            else:
                if parents[key] is not None:
                    children[parents[key]] -= 1
                if key not in self.writers and show_self:  # hidden for now, not empty
                    self.skipped(ExportContext(key, obj, parents[key]))
        kept.reverse()
        return kept

    def _writes_something(self, key, obj, show_self=True, has=None):
        """Whether the object has data of its own to write (`has`, when known already). Once true
        it stays true (the data writer exists); until then it is asked again, as data may appear later."""
        if self._has_data.get(key):
            return True
        has = self._has_data[key] = bool(show_self and (self.has_data(obj) if has is None else has))
        return has

    def local_matrices(self, layout, world):
        """The transforms of the objects of `layout` from their world matrices (F, K, 4, 4) at F
        frames: each relative to its export parent's (top level: with the top-level correction), in
        float64 so static children stay static. Worked out for all frames at once: numpy's linear
        algebra costs far more per call than per matrix."""
        if not len(layout.child):
            return self.top_matrix @ world
        local = np.empty_like(world)
        local[:, layout.top] = self.top_matrix @ world[:, layout.top]
        local[:, layout.child] = relative_pairs(world[:, layout.child_parent], world[:, layout.child])
        return local

    def _written_elsewhere(self, inst):
        return inst.parent is not None and object_key(inst.parent) in self.referenced

    def _instance_context(self, inst, exported):
        parent = exported.get(object_key(inst.parent)) if inst.parent is not None else None
        if parent is None:
            return None
        obj = inst.object
        component = is_component(inst)
        name, has, prototype = self._source(obj)
        # Unused levels share one int object: thousands of keys are kept for the whole export.
        key = (parent.key, name, tuple(_UNUSED_LEVEL if v == _UNUSED_LEVEL else v for v in inst.persistent_id))
        if component:
            prototype = None
        elif prototype is not None:
            key += (prototype,)  # a copy that comes to show other geometry is another copy
        if not self._writes_something(key, obj, has=has):
            return None
        world = np.array(inst.matrix_world, np.float64)
        ctx = ExportContext(key, obj, parent.key, world_matrix=world, is_instance=True,
                            is_component=component, prototype=prototype, depth=parent.depth + 1)
        if self.defer_instances:
            # A copy, shared by the instancer's instances this frame: a view would keep the frame's
            # whole array of world matrices alive until the end.
            parent_world = self._inverses.get(parent.key)
            if parent_world is None:
                parent_world = self._inverses[parent.key] = parent.world_matrix.copy()
            ctx.parent_world = parent_world
            return ctx
        parent_inverse = self._inverses.get(parent.key)
        if parent_inverse is None:
            parent_inverse = self._inverses[parent.key] = inverse(parent.world_matrix)
        ctx.local_matrix = parent_inverse @ world
        return ctx

    def _source(self, obj):
        """(its name, whether it has data, its prototype key or None) of an instance's evaluated object:
        the same for all instances of one source object showing one evaluated data in a frame
        (its data, type and object-linked materials), so worked out once for them."""
        data = obj.data
        source = (obj.original.as_pointer(), 0 if data is None else data.as_pointer())
        known = self._sources.get(source)
        if known is None:
            shared = self._instance_keys is not None and self.shareable(obj)
            known = self._sources[source] = (obj.name_full, self.has_data(obj),
                                             self._instance_keys.key(obj) if shared else None)
        return known


class ObjectFilter:
    """What chooses objects: the options selected only and one collection, and in viewport exports
    the collections hidden with the eye."""

    def __init__(self, options, view_layer, evaluation=None):
        import bpy

        self.options = options
        self.hidden = evaluation.hidden_by_the_eye if evaluation is not None else frozenset()
        self.view_layer = view_layer
        self.decided = {}
        self.members = None
        if options.collection:
            collection = bpy.data.collections.get(options.collection)
            if collection is None:
                raise ValueError(f"no collection named {options.collection!r} in this file")
            self.members = {o.name_full for o in collection.all_objects}

    def __call__(self, key, obj):
        """Whether the object `key` is exported; decided once per object, as neither selection
        nor collections change during an export."""
        wanted = self.decided.get(key)
        if wanted is None:
            wanted = self.decided[key] = self._decide(obj.original)
        return wanted

    def _decide(self, original):
        if self.members is not None and original.name_full not in self.members:
            return False
        if self.options.selected_only and not original.select_get(view_layer=self.view_layer):
            return False
        # Visibility is the depsgraph's: it evaluates only what the chosen mode shows
        # (see blender/evaluation.py), or everything when hidden objects are included;
        # but for collections hidden with the eye, which it evaluates for a viewport.
        return original.name_full not in self.hidden
