"""Prototypes: each distinct piece of shared geometry written once, its copies instanceable references.

Prototypes live under `/Root/Prototypes`, a Scope made `invisible`, so nothing
there draws for a renderer that honours visibility. Each prototype is an Xform
without a transform holding the data prim (named after the data, as under an
object). A copy is its object's Xform, with its own transform, `instanceable =
true` and an internal reference to the prototype's Xform: the reference brings
the data prim under the copy, where visibility is inherited from the copy's
own ancestors, not the holder, and bindings to `/Materials` resolve unchanged
(an internal reference maps only paths inside the prototype).
"""
import numpy as np
from pxr import Sdf, UsdGeom

from ..writers.xform import TransformWriter, author_static
from .specs import attribute, define
from .stage import ROOT

HOLDER = "Prototypes"

# Object types whose copies share prototypes: geometry. Lights and cameras stay real copies.
SHAREABLE_TYPES = {"MESH", "POINTCLOUD", "CURVES"}


class SharedData:
    """The data writer of a prototype, in the place of each copy's own data writer: written by
    the first copy met in a frame, finished once."""

    __slots__ = ("writer", "path", "_written_at", "_finished", "_digest", "_differs", "_check")

    def __init__(self, writer, path, check=None):
        self.writer, self.path = writer, path
        self._written_at = None
        self._finished = False
        self._check = check  # digest function for copies shared by content: each is compared every frame
        self._digest = None
        self._differs = False

    @property
    def done(self):
        # Copies shared by content are compared every frame: each one's modifiers may part ways
        # with the first copy's, whose writer alone says whether its own mesh can change.
        return self.writer.done and self._check is None

    @property
    def prim(self):
        """The prototype's data prim, which the copies share with the data-block."""
        return self.writer.prim

    def write(self, ctx, time):
        if self._written_at != time:
            self._written_at = time
            self.writer.write(ctx, time)
            if self._check is not None:
                self._digest = self._check(ctx.object.data)
        elif self._check is not None and not self._differs and self._check(ctx.object.data) != self._digest:
            self._differs = True
            self.writer.session.report.warn(
                f"{ctx.name}: its modifiers no longer give the geometry of the other copies of "
                f"{self.path.GetParentPath().name} at frame {time:g}; it shows theirs")

    def finish(self):
        if not self._finished:
            self._finished = True
            self.writer.finish()


class Prototypes:
    """The prototypes of one export, by key, created the first time a copy needs one."""

    def __init__(self, session):
        self.session = session
        self._holder = None
        self._made = {}  # prototype key -> SharedData
        self._pending = []  # (CopyWriter, SharedData) of the copies met since the last flush

    def add_copy(self, writer, shared):
        """A copy to author at the next flush."""
        self._pending.append((writer, shared))

    def discard(self, path):
        """Forgets a copy not yet authored (its object failed)."""
        self._pending = [(writer, shared) for writer, shared in self._pending if writer.path != path]

    def flush(self):
        """Authors the copies met in a frame in one change block, through Sdf: authored one at a
        time through Usd, each would make a stage compose anew, and thousands of copies cost minutes."""
        if not self._pending:
            return
        layer = self.session.layer
        static = not self.session.animated
        specs, matrices = [], []
        parents, references = {}, {}  # shared by the copies under one instancer, of one prototype
        with Sdf.ChangeBlock():
            for writer, shared in self._pending:
                path = writer.path
                spec = layer.GetPrimAtPath(path)  # a real object's is defined already (prepare)
                if spec is None:
                    parent = parents.get(path.GetParentPath())
                    if parent is None:
                        parent = parents[path.GetParentPath()] = layer.GetPrimAtPath(path.GetParentPath())
                    spec = Sdf.PrimSpec(parent, path.name, Sdf.SpecifierDef, TransformWriter.prim_kind)
                spec.SetInfo("instanceable", True)
                reference = references.get(shared)
                if reference is None:
                    reference = references[shared] = Sdf.ReferenceListOp.Create(
                        prependedItems=[Sdf.Reference(primPath=shared.path.GetParentPath())])
                spec.SetInfo("references", reference)
                if static and writer.gathered:  # one frame: the matrix is all there will be
                    specs.append(spec)
                    matrices.append(writer.gathered[0][0])
                    writer.gathered = None
            if specs:
                self.session.report.matrices += author_static(specs, np.array(matrices))
        self._pending = []

    def get(self, key, ctx, writer_class, check=None):
        """The prototype `key` (made from `ctx`, the first copy met, with `writer_class`)."""
        shared = self._made.get(key)
        if shared is None:
            shared = self._made[key] = self._make(ctx, writer_class, check)
        return shared

    def _make(self, ctx, writer_class, check):
        session = self.session
        names = session.names
        if self._holder is None:
            self._holder = ROOT.AppendChild(names.claim(ROOT, HOLDER))
            scope = define(session.layer, self._holder, "Scope")
            attribute(scope, UsdGeom.Tokens.visibility, Sdf.ValueTypeNames.Token, UsdGeom.Tokens.invisible)
            session.report.count("Scope")
        # The data's own name (a linked duplicate's evaluated mesh that modifiers made is called "Mesh").
        data = ctx.object.data if ctx.is_instance else ctx.object.original.data
        data_name = getattr(data, "name", ctx.name)
        path = self._holder.AppendChild(names.claim(self._holder, data_name))
        define(session.layer, path, "Xform")
        session.report.count("Xform")
        data_path = path.AppendChild(names.claim(path, data_name))
        return SharedData(writer_class(session, data_path, ctx), data_path, check)


class CopyWriter(TransformWriter):
    """A copy's Xform: its transform, as any object's, on a prim authored by `Prototypes.flush` at
    the end of the frame it first appears in (so its USD prim is looked up when needed)."""

    __slots__ = ()

    def __init__(self, session, path, ctx, shared, prototypes):
        super().__init__(session, path, ctx)
        prototypes.add_copy(self, shared)

    def define(self, path, ctx):
        self._times, self._matrices = [], []

    @property
    def gathered(self):
        """The matrices gathered so far; None once a static copy's matrix is authored."""
        return self._matrices

    @gathered.setter
    def gathered(self, value):
        self._matrices = value
        if value is None:
            self._times = None

    def finish(self):
        if self._matrices is not None:
            super().finish()
