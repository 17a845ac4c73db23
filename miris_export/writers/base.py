"""What all writers share: the export session they write into, and their prim."""
from functools import partial

from pxr import Sdf, UsdGeom

from ..usd import specs
from ..usd.sparse import SampledAttribute, record_chunk, set_default
from ..usd.values import extent


class Writer:
    """Created once, at the first frame its object exists; `write` is called every frame.

    A writer must not keep Blender data between calls: what it is given is valid
    only for the frame at hand.
    """

    prim_kind = ""  # the report counts prims under this name
    done = False  # set when nothing can change any more: the writer is not called again
    # define() authors only on its own prim, which the hierarchy defined beforehand (see
    # UsdHierarchy.prepare), and needs no other prim composed: it may run in a change block.
    defines_in_batch = False
    # Slots: an export may hold a transform writer for each of thousands of copies. Subclasses
    # that do not declare slots of their own (meshes, lights...) keep a __dict__.
    __slots__ = ("session", "path", "_prim", "_sampled", "_recording")

    def __init__(self, session, path, ctx):
        self.session = session
        self.path = path
        self._prim = None
        self.define(path, ctx)
        self._sampled = {}
        self._recording = False  # record_visible has marked the visibility attribute
        if self.prim_kind:
            session.report.count(self.prim_kind)

    @classmethod
    def type_for(cls, obj):
        """The type of the prim this writer defines for `obj`, "" when it is not known beforehand."""
        return cls.prim_kind

    def define(self, path, ctx):
        """Defines the prims this writer owns, as specs in the session's layer (or through the Usd
        API on `session.stage`, which opens it). Called outside the frame's change block, which is
        the only place prims may be created."""
        raise NotImplementedError

    @property
    def prim(self):
        """The Usd prim of `path`, on the session's stage (which opens it): for the Usd API and hooks.
        Kept once valid (a prim asked for in the change block that defines it is not, yet)."""
        prim = self._prim
        if prim is None:
            prim = self.session.stage.GetPrimAtPath(self.path)
            if prim:
                self._prim = prim
        return prim

    def write(self, ctx, time):
        raise NotImplementedError

    def finish(self):
        """Called once after the last frame, inside a change block."""

    def sampled(self, attr, same=None):
        """The frame-by-frame writer of `attr` (a Usd attribute of the prim, or its spec), created on
        first use."""
        spec = isinstance(attr, Sdf.AttributeSpec)
        key = attr.name if spec else attr.GetName()
        sampler = self._sampled.get(key)
        if sampler is None:
            usd = partial(_usd_attribute, self.session, attr.path) if spec else None  # not the writer: a cycle
            sampler = self._sampled[key] = SampledAttribute(attr, same, dense=self.session.chunk, usd=usd)
        return sampler

    def set(self, attr, value, time, same=None):
        """Authors `value` at frame `time` on `attr` (a Usd attribute of the prim, or its spec);
        `same(a, b)` says when two values count as unchanged."""
        if not self.session.animated:  # one frame: a plain value
            set_default(attr, value)
            return
        self.sampled(attr, same).set(value, time)

    def set_named(self, name, type_name, value, time, same=None, make=None):
        """`set` for the prim's attribute `name` (of `type_name`, made on first use). A value written
        once, as the attribute's default (a one-frame export, or a writer done after this frame
        outside a chunk), goes straight into the layer's spec: the Usd calls cost more than the value.
        With `make`, `value` is what was read (plain Python values, compared exactly) and `make(value)`
        the USD value: a value read as at the frame before is held, not made and compared again."""
        if not self.session.animated or (self.done and not self.session.chunk):
            self.attribute(name, type_name).default = value if make is None else make(value)
            return
        sampler = self._sampled.get(name)  # met at every frame: the attribute is made once
        if sampler is None:
            sampler = self.sampled(self.attribute(name, type_name), same)
        elif make is not None and sampler.read == value:
            sampler.hold(time)
            return
        if make is None:
            sampler.set(value, time)
        else:
            sampler.set(make(value), time)
            sampler.read = value

    def attribute(self, name, type_name, uniform=False):
        """The spec of the prim's attribute `name`, made (not custom; varying unless `uniform`) if need be."""
        spec = self.session.layer.GetPrimAtPath(self.path)
        return spec.attributes.get(name) or specs.attribute(spec, name, type_name, uniform=uniform)

    def set_visible(self, visible, time):
        """Written only for prims hidden at some frame; the first call marks them visible from
        the first frame until `time`."""
        attr = UsdGeom.Imageable(self.prim).CreateVisibilityAttr()
        if "visibility" not in self._sampled and time != self.session.first_frame:
            self.set(attr, UsdGeom.Tokens.inherited, self.session.first_frame)
        self.set(attr, UsdGeom.Tokens.inherited if visible else UsdGeom.Tokens.invisible, time)

    def record_visible(self, kind, visible, time):
        """In a chunk export, every frame: whether the object exists (`kind` "presence", on its
        transform) or draws (`kind` "drawn", on its data), from which the stitch writes what
        set_visible would over the whole range (see farm.stitch)."""
        attr = UsdGeom.Imageable(self.prim).CreateVisibilityAttr()
        if not self._recording:
            self._recording = True
            record_chunk(attr, kind, ())
        attr.Set(UsdGeom.Tokens.inherited if visible else UsdGeom.Tokens.invisible, time)

    def set_extent(self, attr, points, time, radius=None):
        """Authors the bounds of `points` (see usd.values.extent); points that are not finite numbers
        are left out of them, with a report line."""
        bounds, left_out = extent(points, radius)
        if left_out:
            self.session.report.warn(f"{self.path}: {left_out} point(s) are not finite numbers (NaN or "
                                     "infinite); written as they are, and left out of the extent")
        self.set(attr, bounds, time)


def _usd_attribute(session, path):
    return session.stage.GetAttributeAtPath(path)
