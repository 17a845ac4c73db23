"""The hierarchy iterator for USD: exported objects become prims under /Root, frames time codes.

Each object is an Xform named after it, holding its transform; its data (a
mesh, a light...) is a child prim named after the data, as in Blender's own
USD exporter, so gprims never nest and the data can later be shared.
"""
from pxr import Sdf

from ..hierarchy import HierarchyIterator
from ..writers import DATA_WRITERS, GEOMETRY_COMPONENTS, TRANSFORM_ONLY
from ..writers.xform import TransformWriter
from .stage import ROOT


class ObjectWriters:
    """The writers of one exported object: its transform (None for a geometry component,
    which lives in its object's Xform) and its data (None when it only carries children)."""

    __slots__ = ("transform", "data")

    def __init__(self, transform, data):
        self.transform, self.data = transform, data


class UsdHierarchy(HierarchyIterator):
    def __init__(self, session):
        super().__init__(session.options, session.view_layer, session.top_matrix)
        self.session = session
        self.paths = {}  # export key -> Sdf.Path

    def data_kind(self, obj):
        return DATA_WRITERS.get(obj.type)

    def has_data(self, obj):
        writer = self.data_kind(obj)
        if writer is None:
            return False
        check = getattr(writer, "has_data", None)
        return check is None or check(obj)

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
            self.session.stage.RemovePrim(path)

    def create_writer(self, ctx):
        names = self.session.names
        parent = self.paths.get(ctx.parent_key, ROOT)
        if ctx.is_component:
            path, transform = parent, None
        else:
            path = parent.AppendChild(names.claim(parent, ctx.name))
            self.paths[ctx.key] = path
            transform = TransformWriter(self.session, path, ctx)
        data = None
        if self._has_data.get(ctx.key):
            data_name = names.claim(path, getattr(ctx.object.data, "name", ctx.name))
            data = self.data_kind(ctx.object)(self.session, path.AppendChild(data_name), ctx)
        return ObjectWriters(transform, data)

    def write(self, writers, ctx):
        time = self.session.frame
        if writers.transform is not None:
            writers.transform.write(ctx, time)
        if writers.data is not None and not writers.data.done:
            writers.data.write(ctx, time)

    def finish_writer(self, writers):
        for writer in (writers.transform, writers.data):
            if writer is not None:
                writer.finish()

    def frame_done(self, written, created):
        """On animated exports, objects that appear late or vanish are made invisible while absent."""
        if not self.session.animated:
            return
        frame = self.session.frame
        for key in created:
            transform = self.writers[key].transform
            if transform is not None and frame != self.session.first_frame:
                transform.set_visible(False, self.session.first_frame)
                transform.set_visible(True, frame)
        for key, writers in self.writers.items():
            if writers.transform is not None and (key not in written or writers.transform.tracks_visibility):
                writers.transform.set_visible(key in written, frame)

    def batch(self):
        return Sdf.ChangeBlock()
