"""Writing attribute values once per frame, keeping only what changes.

A value that never changes is authored as the attribute's default (no time
samples). Once it changes, it becomes time samples written through
`UsdUtils.SparseAttrValueWriter`, which drops repeated values but keeps the
last frame of every held run so interpolation stays exact. Transforms, met
for every object at every frame, are gathered over the frame range instead
and written at the end in the same sparse way (`write_gathered`); so are the
points, normals and extent of small meshes that move (`GatheredAttribute`,
which writes exactly what the sampler above would).

A chunk export (a sub-range of frames, to be stitched with others) cannot
know whether a value is constant over the whole range, so there every call is
a time sample, and the attribute's `customData["mirisChunk"]` says how it was
written (`kind`) and at which times the writer's own comparison found a change
from the call before (`changed`): the stitch replays them through the same code
(`farm.stitch`), so the stitched file is the one a single export writes.
"""
import numpy as np
from pxr import Sdf, Usd, UsdUtils, Vt

CHUNK_KEY = "mirisChunk"  # no ":" there, which customData reads as a nested key


def _equal(a, b):
    try:
        return bool(a == b)
    except Exception:  # values of different shapes
        return False


def record_chunk(attr, kind, changed_times):
    """Marks a chunk's attribute (a Usd attribute or its spec) as written densely by `kind`, with the
    times its value changed."""
    record = {"kind": kind, "changed": Vt.DoubleArray([float(t) for t in changed_times])}
    if isinstance(attr, Sdf.AttributeSpec):
        attr.customData[CHUNK_KEY] = record
    else:
        attr.SetCustomDataByKey(CHUNK_KEY, record)


def set_default(attr, value):
    """Sets the default of a Usd attribute or of a spec."""
    if isinstance(attr, Sdf.AttributeSpec):
        attr.default = value
    else:
        attr.Set(value)


def attribute_spec(attr):
    """The spec a Usd attribute is authored into (its stage's edit target's); a spec as it is."""
    if isinstance(attr, Sdf.AttributeSpec):
        return attr
    return attr.GetStage().GetEditTarget().GetLayer().GetAttributeAtPath(attr.GetPath())


class SampledAttribute:
    """`attr`: a Usd attribute, or its spec with `usd()` giving the Usd attribute (which may open a
    stage): a value that never changes is the spec's default, and the Usd attribute is asked for
    only once time samples are written, through USD's sparse writer."""

    def __init__(self, attr, same=None, dense=False, usd=None):
        self.attr = usd() if dense and usd is not None else attr
        self._usd = usd
        self.same = same or _equal
        self._last = None  # the value last set
        self._first_time = None
        self._last_time = None
        self._sparse = None
        self._dense = dense  # a chunk export: every call a sample, see the module's comment
        self._changed = []
        self._held = False  # held since the last set, not yet told to the sparse writer
        self.read = None  # what the value last set was made from, for a caller that compares that

    def set(self, value, time):
        """Authors `value` at frame `time`."""
        if self._dense:
            self._set_dense(value, time)
        elif self._sparse is not None:
            if self._held:
                self._sparse.SetTimeSample(self._last, Usd.TimeCode(self._last_time))
            self._sparse.SetTimeSample(value, Usd.TimeCode(time))
        elif self._first_time is None:
            self._first_time = time
            set_default(self.attr, value)
        elif not self.same(value, self._last):
            self._to_samples()
            self._sparse.SetTimeSample(value, Usd.TimeCode(time))
        self._last, self._last_time, self._held = value, time, False

    def _set_dense(self, value, time):
        if self._first_time is None:
            self._first_time = time
            record_chunk(self.attr, "sampled", ())
        elif not self.same(value, self._last):
            self._changed.append(time)
            record_chunk(self.attr, "sampled", self._changed)
        self.attr.Set(value, Usd.TimeCode(time))
        self._last, self._last_time = value, time

    def hold(self, time):
        """Says the value at `time` is the one last set, without computing it again."""
        if self._dense:
            self.attr.Set(self._last, Usd.TimeCode(time))
        # The sparse writer keeps a held value's last frame only: it is told of it at the next set.
        self._last_time, self._held = time, True

    def _to_samples(self):
        if isinstance(self.attr, Sdf.AttributeSpec):
            self.attr = self._usd()
        self.attr.ClearDefault()
        self._sparse = UsdUtils.SparseAttrValueWriter(self.attr)
        self._sparse.SetTimeSample(self._last, Usd.TimeCode(self._first_time))
        self._sparse.SetTimeSample(self._last, Usd.TimeCode(self._last_time))  # the held run's end (or again the first)


def sample_indices(changed):
    """Which frames to write, given `changed[i]`: frame i + 1 differs from frame i; None when
    none differs (a default value serves). With each change goes the frame before it, the end
    of the value held until then, so interpolation between samples stays exact; frames before
    the first sample and after the last hold those samples' values, as USD reads them."""
    picked = np.zeros(len(changed) + 1, bool)
    picked[1:] = changed  # the frame that changes
    picked[:-1] |= changed  # and the one before it
    return np.flatnonzero(picked) if picked.any() else None


def write_gathered(attr, times, values, changed, dense=False):
    """Authors values gathered over the whole frame range on `attr` (a Usd attribute or a spec): a
    default when `changed` (as for `sample_indices`) is all false, else the chosen time samples,
    straight into the layer. `dense` (a chunk export): every frame a sample, with the changes recorded."""
    attr = attribute_spec(attr)
    if dense:
        record_chunk(attr, "gathered", [times[i + 1] for i in np.flatnonzero(changed)])
        indices = range(len(times))
    else:
        indices = sample_indices(changed)
    if indices is None:
        attr.default = values[0]
        return
    layer, path = attr.layer, attr.path
    for i in indices:
        layer.SetTimeSample(path, float(times[i]), values[int(i)])


class GatheredAttribute:
    """An array attribute's values gathered over the frames and written at `flush`, with the result
    SampledAttribute gives for the same calls (a default while the value holds, then the samples its
    sparse writer keeps: changes beyond 1e-6 of the value last written, each with the end of the run
    before it), where comparing frame by frame would cost more than the frame's reading: the values
    are compared many frames at once and the samples written straight into the layer.

    `set` takes a USD array value (float components), or a numpy array that `convert` makes one of
    when it is written (most frames of a mesh that holds still are not); `set_later` an array the value
    is worked out from at `flush`, by `derive` (a list of arrays -> their values), for all such frames at
    once. Not for chunk exports (see SampledAttribute)."""

    def __init__(self, attr, derive=None, convert=None):
        self.attr = attribute_spec(attr)
        self.derive = derive
        self.convert = convert
        self.size = 0  # bytes of the values gathered and not yet written
        self._calls = []  # (time, value, or None where the value last set is held)
        self._first_time = None
        self._last = None  # the value last set
        self._last_time = None
        self._held = False  # held since the last set (see SampledAttribute.hold)
        self._sparse = False
        self._prev = None  # the sparse writer's state: the value last written as a sample,
        self._prev_time = None  # the time of its last call,
        self._wrote_prev = True  # and whether that call wrote a sample

    def set(self, value, time):
        self._calls.append((time, value))
        self.size += np.asarray(value).nbytes

    def set_later(self, array, time):
        self._calls.append((time, _Later(array)))
        self.size += array.nbytes

    def hold(self, time):
        self._calls.append((time, None))

    def flush(self):
        """Writes what the calls so far decide."""
        calls, self._calls, self.size = self._calls, [], 0
        later = [v for _, v in calls if isinstance(v, _Later)]
        if later:
            derived = dict(zip(map(id, later), self.derive([v.array for v in later])))
            calls = [(t, derived.get(id(v), v)) for t, v in calls]
        carried = [v for v in (self._prev, self._last) if v is not None]
        values = list({id(v): v for v in carried}.values()) + [v for _, v in calls if v is not None]
        if not values:
            return
        index = {id(v): i for i, v in enumerate(values)}
        rel = _Relations([np.asarray(v) for v in values])
        layer, path = self.attr.layer, self.attr.path

        def write(time, value):
            layer.SetTimeSample(path, time, self._usd(value))

        def sample(i, time):  # the sparse writer's SetTimeSample
            if self._prev is None or not rel.close(index[id(self._prev)], i):
                if not self._wrote_prev:
                    write(self._prev_time, self._prev)  # the end of the run before
                write(time, values[i])
                self._prev, self._wrote_prev = values[i], True
            else:
                self._wrote_prev = False
            self._prev_time = time

        for time, value in calls:
            time = float(time)
            if value is None:  # told at the next change, as SampledAttribute.hold
                self._last_time, self._held = time, True
                continue
            i = index[id(value)]
            if self._sparse:
                if self._held:
                    sample(index[id(self._last)], self._last_time)
                sample(i, time)
            elif self._first_time is None:
                self._first_time = time
                self.attr.default = self._usd(value)
            elif not rel.equal(index[id(self._last)], i):
                self._sparse = True
                self.attr.ClearDefaultValue()
                last = index[id(self._last)]
                sample(last, self._first_time)
                sample(last, self._last_time)
                sample(i, time)
            self._last, self._last_time, self._held = value, time, False

    def _usd(self, value):
        return self.convert(value) if isinstance(value, np.ndarray) else value


class _Later:
    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array


class _Relations:
    """Equality (exact, as USD's ==) and closeness (within 1e-6, as USD's sparse writer) of arrays,
    worked out at once, when first asked, for each array and the next where they have one shape;
    else pair by pair."""

    def __init__(self, arrays):
        self.arrays = arrays
        self._next = None  # (equal, close, finite) per array, or False where shapes differ

    def _vectorized(self):
        if self._next is None:
            self._next = False
            if len({a.shape for a in self.arrays}) == 1:
                stack = np.stack(self.arrays)
                axes = tuple(range(1, stack.ndim))
                with np.errstate(invalid="ignore"):  # inf - inf: not close, as in USD
                    close = (np.abs(np.diff(stack.astype(np.float64), axis=0)) < 1e-6).all(axis=axes)
                self._next = ((stack[1:] == stack[:-1]).all(axis=axes), close, np.isfinite(stack).all(axis=axes))
        return self._next

    def equal(self, i, j):
        if i == j:  # one array: USD's == says so without looking, whatever its values (NaN)
            return True
        if j == i + 1 and self._vectorized():
            return bool(self._next[0][i])
        a, b = self.arrays[i], self.arrays[j]
        return a.shape == b.shape and bool((a == b).all())

    def close(self, i, j):
        if (j == i + 1 or j == i) and self._vectorized():
            # a value is close to itself where it is a finite number
            return bool(self._next[1][i] if j == i + 1 else self._next[2][i])
        a, b = self.arrays[i], self.arrays[j]
        with np.errstate(invalid="ignore"):
            return a.shape == b.shape and bool((np.abs(a.astype(np.float64) - b) < 1e-6).all())
