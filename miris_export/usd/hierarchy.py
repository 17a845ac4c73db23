"""The hierarchy iterator for USD: exported objects become prims under /Root, frames time codes.

Each object is an Xform named after it, holding its transform; its data (a
mesh, a light...) is a child prim named after the data, as in Blender's own
USD exporter, so gprims never nest and the data can be shared: with
instancing, a copy's Xform references a prototype holding the data prim
instead (see prototypes.py).
"""
import numpy as np
from pxr import Sdf

from ..hierarchy import HierarchyIterator
from ..hierarchy.instances import geometry_digest, shared_real_objects
from ..hierarchy.iterator import object_key
from ..matrices import inverse_each
from ..writers import DATA_WRITERS, GEOMETRY_COMPONENTS, SKINNED_MESH_WRITER, TRANSFORM_ONLY
from ..writers.xform import TransformWriter, author_static, split_stacks
from .prototypes import SHAREABLE_TYPES, CopyWriter, Prototypes, SharedData
from . import specs
from .references import reference_asset, reference_materials
from .stage import ROOT

# Matrices worked on at once at the end (see _batches): enough to spread numpy's cost per call, few
# enough that the temporaries stay at a few MB.
_SPLIT_ROWS = 1 << 13


class ObjectWriters:
    """The writers of one exported object: its transform (None for a geometry component,
    which lives in its object's Xform) and its data (None when it only carries children)."""

    __slots__ = ("transform", "data")

    def __init__(self, transform, data):
        self.transform, self.data = transform, data

    @property
    def live(self):
        """Whether the object's data still needs a call each frame."""
        return self.data is not None and not self.data.done


class UsdHierarchy(HierarchyIterator):
    def __init__(self, session):
        super().__init__(session.options, session.view_layer, session.top_matrix, session.evaluation,
                         referenced=session.assets)
        self.session = session
        self.paths = {}  # export key -> Sdf.Path
        self._planned = {}  # export key -> (path, data path) named by prepare(), for create_writer()
        self._gathered = []  # (frame, layout, matrices as read) of the real objects, each frame
        self._tracked = set()  # keys of objects absent at some frame, whose visibility is written
        self.prototypes = Prototypes(session)
        self._tracked_data = set()  # keys of objects whose data is hidden at some frame
        self._late_data = set()  # keys of objects whose data writer was created this frame, not with them
        self._settled = (None, None)  # (written, undrawn) of the last frame that needed no visibility
        # Over several frames, instances' matrices are made local at the end, all at once (finish).
        self.defer_instances = session.animated
        # A chunk writes every value at every frame (its writers are never done), for the stitch.
        self.repeat_frames = session.animated and not session.chunk
        self._change_block = Sdf.ChangeBlock()

    def data_kind(self, obj):
        if obj.type == "ARMATURE" and not self.options.skeletons:
            return None
        if self.session.skins and obj.type == "MESH" and object_key(obj) in self.session.skins:
            return SKINNED_MESH_WRITER
        return DATA_WRITERS.get(obj.type)

    def has_data(self, obj):
        writer = self.data_kind(obj)
        if writer is None:
            return False
        check = getattr(writer, "has_data", None)
        return check is None or check(obj)

    def shareable(self, obj):
        # Not skinned meshes: their writer binds them to their own skeleton.
        return obj.type in SHAREABLE_TYPES and self.data_kind(obj) is DATA_WRITERS.get(obj.type)

    def skipped(self, ctx):
        obj = ctx.object
        if obj.type in TRANSFORM_ONLY:
            return
        if obj.type in DATA_WRITERS:
            self.session.report.warn(f"{ctx.name}: skipped, its {obj.type.lower()} data is empty")
        elif obj.type in GEOMETRY_COMPONENTS:
            self.session.report.warn(f"{ctx.name}: skipped, this {obj.type.lower()} has no surface "
                                     "(no bevel, extrusion or fill)")
        else:
            self.session.report.warn(f"{ctx.name}: skipped, {obj.type.lower()} objects have no Miris equivalent")

    def failed(self, ctx, error):
        self.session.report.warn(f"{ctx.name}: could not be exported and is left out "
                                 f"({type(error).__name__}: {error})")
        path = self.paths.get(ctx.key)
        if path is not None and not ctx.is_component:
            self.prototypes.discard(path)
            self.session.stage.RemovePrim(path)

    def prepare(self, contexts):
        """Names the new objects' prims and defines them in one change block, through Sdf (a stage
        open on the layer composes them once)."""
        if self.options.instancing:
            self._share_real(contexts)
        layer = self.session.layer
        with Sdf.ChangeBlock():
            for ctx in contexts:
                path, data_path = self._plan(ctx)
                if not ctx.is_component:
                    specs.define(layer, path, TransformWriter.prim_kind)
                type_name = None if data_path is None else self.data_kind(ctx.object).type_for(ctx.object)
                if type_name:
                    specs.define(layer, data_path, type_name)

    def create_new(self, contexts):
        """Runs of objects whose writers author only on the prims prepare() defined are created in
        one change block: a stage open on the layer composes what they author once, not once per object."""
        created, block = [], None
        try:
            for ctx in contexts:
                batched = self._defines_in_batch(ctx)
                if batched and block is None:
                    block = Sdf.ChangeBlock()
                    block.__enter__()
                elif not batched and block is not None:
                    block.__exit__(None, None, None)
                    block = None
                if self._create(ctx):
                    created.append(ctx.key)
        finally:
            if block is not None:
                block.__exit__(None, None, None)
        return created

    def _defines_in_batch(self, ctx):
        """Whether the object's writers author only on its prims, defined already (not a copy, whose
        prototype may be new; not a writer that defines prims of its own, see Writer.defines_in_batch)."""
        if ctx.prototype is not None:
            return False
        _, data_path = self._plan(ctx)
        kind = None if data_path is None else self.data_kind(ctx.object)
        return kind is None or (kind.defines_in_batch and bool(kind.type_for(ctx.object)))

    def _share_real(self, contexts):
        """Marks the new real meshes that are linked duplicates of each other as copies of one
        prototype; not those with exported children, which an instanceable prim would hide, nor those
        whose visibility is keyed, whose data (a prototype's, here) would be hidden while they are."""
        parents = {parent for _, parent, _ in self._layout_cache}
        candidates = [ctx for ctx in contexts if ctx.object.type == "MESH" and ctx.key not in parents
                      and self._has_data.get(ctx.key) and ctx.key[1] not in self._keyed
                      and self.shareable(ctx.object)]
        for i, key in shared_real_objects([ctx.object for ctx in candidates]).items():
            candidates[i].prototype = key

    def _plan(self, ctx):
        """The object's prim path (its parent's, for a geometry component) and its data prim's path."""
        if ctx.key in self._planned:
            return self._planned[ctx.key]
        names = self.session.names
        parent = self.paths.get(ctx.parent_key, ROOT)
        path = parent if ctx.is_component else parent.AppendChild(names.claim(parent, ctx.name))
        data_path = self._data_path(ctx, path) if self._has_data.get(ctx.key) and ctx.prototype is None else None
        if not ctx.is_component:
            self.paths[ctx.key] = path
        plan = self._planned[ctx.key] = (path, data_path)
        return plan

    def _data_path(self, ctx, path):
        # The data's own name: an evaluated mesh that modifiers made is called "Mesh".
        data = ctx.object.data if ctx.is_component else ctx.object.original.data
        return path.AppendChild(self.session.names.claim(path, getattr(data, "name", ctx.name)))

    def data_appeared(self, writers, ctx):
        writers.data = self.data_kind(ctx.object)(self.session, self._data_path(ctx, self.paths[ctx.key]), ctx)
        self._late_data.add(ctx.key)

    def create_writer(self, ctx):
        path, data_path = self._plan(ctx)
        del self._planned[ctx.key]
        if ctx.prototype is not None:
            return self._copy(path, ctx)
        transform = None if ctx.is_component else TransformWriter(self.session, path, ctx)
        data = None if data_path is None else self.data_kind(ctx.object)(self.session, data_path, ctx)
        return ObjectWriters(transform, data)

    def _copy(self, path, ctx):
        """The writers of a copy of the context's prototype (made with the first copy): its own
        transform, and the prototype's data writer, shared."""
        check = geometry_digest if ctx.prototype[0] == "SHARED_CONTENT" else None
        shared = self.prototypes.get(ctx.prototype, ctx, self.data_kind(ctx.object), check)
        return ObjectWriters(CopyWriter(self.session, path, ctx, shared, self.prototypes), shared)

    def write(self, writers, ctx):
        time = self.session.frame
        if ctx.is_instance and writers.transform is not None:
            writers.transform.write(ctx, time)
        if writers.live:
            writers.data.write(ctx, time)

    def gather_transforms(self, layout, matrices):
        self._gathered.append((self.session.frame, layout, matrices))

    def finish(self):
        """Hands each real object its matrices over the frames, by runs of frames with one layout."""
        start = 0
        while start < len(self._gathered):
            layout = self._gathered[start][1]
            end = start
            while end < len(self._gathered) and self._gathered[end][1] is layout:
                end += 1
            run = self._gathered[start:end]
            times, stacked = [t for t, _, _ in run], np.empty((len(run), len(layout), 4, 4))
            step = max(1, _SPLIT_ROWS // max(1, len(layout)))  # frames at once
            for first in range(0, len(run), step):
                part = run[first:first + step]
                stacked[first:first + len(part)] = self.local_matrices(layout, self._world(layout, part))
            for row, (key, _, _) in enumerate(layout):
                writers = self.writers.get(key)
                if writers is not None and writers.transform is not None:
                    writers.transform.extend(times, stacked[:, row])
            start = end
        self._gathered = []
        self._localize_instances()
        self._finish_still()
        self._finish_transforms()
        super().finish()
        self._reference_assets()

    def _world(self, layout, run):
        """The world matrices (F, K, 4, 4) of a run of frames gathered with one layout."""
        if not len(layout):
            return np.zeros((len(run), 0, 4, 4))
        extras = None if run[0][2][1] is None else np.stack([extra for _, _, (_, extra) in run])
        return self.world_matrices(layout, np.stack([flat for _, _, (flat, _) in run]), extras)

    def _reference_assets(self):
        """Under each exported instancer of a linked asset, an Xform referencing the asset's file: its
        transform takes the asset, which carries the axis change and units already, from the stage's
        space into the instancer's, less the collection's instance offset."""
        referencing = [(key, self.paths[key]) for key in self.referenced if key in self.paths]
        if not referencing:
            return
        layer = self.session.layer
        names = self.session.names
        materials = {}  # asset file -> its /Materials/<asset>
        specs, matrices = [], []
        with Sdf.ChangeBlock():
            for key, parent in sorted(referencing, key=lambda item: str(item[1])):
                asset = self.session.assets[key]
                file = "./" + asset.file
                if file not in materials:
                    materials[file] = reference_materials(layer, names, file, asset.asset.name)
                path = parent.AppendChild(names.claim(parent, asset.asset.name))
                specs.append(reference_asset(layer, path, file, asset.shape, materials[file]))
                offset = np.eye(4)
                offset[:3, 3] = np.negative(asset.asset.offset)
                matrices.append(offset @ np.linalg.inv(self.top_matrix))
            self.session.report.matrices += author_static(specs, np.array(matrices))
        self.session.report.count("Xform", len(specs))

    def _finish_still(self):
        """Writes the transforms of the objects gathered at one frame only (a still export, or a
        range where nothing changes), or holding one matrix at every frame gathered, at once:
        decomposed together, as static copies' are, each matrix once."""
        still = [(w.transform, matrix) for w in self.writers.values()
                 if w.transform is not None and (matrix := w.transform.still_matrix()) is not None]
        if not still:
            return
        layer = self.session.layer
        with Sdf.ChangeBlock():
            specs = [layer.GetPrimAtPath(writer.path) for writer, _ in still]
            self.session.report.matrices += author_static(specs, np.array([matrix for _, matrix in still]))
        for writer, _ in still:
            writer.written()

    def _localize_instances(self):
        """Makes the world matrices gathered for instances local to their instancers, as
        `_instance_context` does one frame at a time, each distinct instancer matrix inverted once
        (an instancer that does not move is one inversion)."""
        pending = [(w.transform, frames) for w in self.writers.values() if w.transform is not None
                   and (frames := w.transform.instance_frames()) is not None]
        for batch in _batches(pending, lambda frames: len(frames[1])):
            local = inverse_each([p for _, (instancers, _) in batch for p in instancers]) \
                @ np.concatenate([worlds for _, (_, worlds) in batch])
            start = 0
            for writer, (_, worlds) in batch:
                writer.localized(local[start:start + len(worlds)])
                start += len(worlds)

    def _finish_transforms(self):
        """Splits the gathered matrices of the transforms into their ops many at once, and writes
        them, a batch of a bounded number of rows at a time (memory)."""
        pending = [(w.transform, stack) for w in self.writers.values() if w.transform is not None
                   and (stack := w.transform.gathered_stack()) is not None]
        for batch in _batches(pending):
            with Sdf.ChangeBlock():
                for (writer, _), ops in zip(batch, split_stacks([stack for _, stack in batch])):
                    writer.split(ops)
                    writer.finish()

    def finish_writer(self, writers):
        for writer in (writers.transform, writers.data):
            if writer is not None:
                writer.finish()

    def frame_done(self, written, created, undrawn):
        """On animated exports, objects that appear late or vanish are made invisible while absent,
        and the data of those that draw nothing at a frame (kept for their children) while so."""
        self.prototypes.flush()
        if not self.session.animated:
            return
        if self.session.chunk:
            self._record_visible(written, undrawn)
            return
        if not created and written is self._settled[0] and undrawn is self._settled[1]:
            return  # a repeated frame of objects all there and drawn, as the frame before
        frame, first = self.session.frame, self.session.first_frame
        for key in created:
            writers = self.writers.get(key)
            if writers is not None and writers.transform is not None and frame != first:
                writers.transform.set_visible(False, first)
                writers.transform.set_visible(True, frame)
                self._tracked.add(key)
        for key in (self.writers.keys() - written) | self._tracked:
            writers = self.writers.get(key)
            if writers is not None and writers.transform is not None:
                writers.transform.set_visible(key in written, frame)
                self._tracked.add(key)
        for key in self._late_data:
            writers = self.writers.get(key)
            if writers is not None and writers.data is not None:
                writers.data.set_visible(False, first)
                self._tracked_data.add(key)
        self._late_data.clear()
        for key in undrawn | self._tracked_data:
            writers = self.writers.get(key)
            if writers is not None and writers.data is not None:
                writers.data.set_visible(key not in undrawn, frame)
                self._tracked_data.add(key)
        # Nothing to write for these sets of objects: not again while the same sets come (see above).
        settled = not (self.writers.keys() - written or self._tracked or undrawn or self._tracked_data)
        self._settled = (written, undrawn) if settled else (None, None)

    def _record_visible(self, written, undrawn):
        """A chunk export writes at every frame whether each object exists and whether its data draws,
        as their visibility: which are absent or hidden when is known only over the whole range, where
        the stitch writes the visibility frame_done would (farm.stitch)."""
        frame = self.session.frame
        self._late_data.clear()
        for key, writers in self.writers.items():
            if writers.transform is not None:
                writers.transform.record_visible("presence", key in written, frame)
            if writers.data is not None and not isinstance(writers.data, SharedData):  # copies: on their Xform
                writers.data.record_visible("drawn", key not in undrawn, frame)

    def batch(self):
        # One change block, entered again for each batch (batches are never nested): making one
        # costs more than using it, several times a frame.
        return self._change_block


def _batches(pending, rows_of=len):
    """Runs of the (writer, matrices) pairs of `pending` holding at most _SPLIT_ROWS rows in all (or
    one pair); `rows_of(matrices)` says how many rows a pair holds."""
    start = 0
    while start < len(pending):
        end, rows = start, 0
        while end < len(pending) and (end == start or rows + rows_of(pending[end][1]) <= _SPLIT_ROWS):
            rows += rows_of(pending[end][1])
            end += 1
        yield pending[start:end]
        start = end
