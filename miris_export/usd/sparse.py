"""Writing attribute values once per frame, keeping only what changes.

A value that never changes is authored as the attribute's default (no time
samples). Once it changes, it becomes time samples written through
`UsdUtils.SparseAttrValueWriter`, which drops repeated values but keeps the
last frame of every held run so interpolation stays exact. Transforms, met
for every object at every frame, are gathered over the frame range instead
and written at the end in the same sparse way (`write_gathered`).

A chunk export (a sub-range of frames, to be stitched with others) cannot
know whether a value is constant over the whole range, so there every call is
a time sample, and the attribute's `customData["mirisChunk"]` says how it was
written (`kind`) and at which times the writer's own comparison found a change
from the call before (`changed`): the stitch replays them through the same code
(`farm.stitch`), so the stitched file is the one a single export writes.
"""
import numpy as np
from pxr import Usd, UsdUtils, Vt

CHUNK_KEY = "mirisChunk"  # no ":" there, which customData reads as a nested key


def _equal(a, b):
    try:
        return bool(a == b)
    except Exception:  # values of different shapes
        return False


def record_chunk(attr, kind, changed_times):
    """Marks a chunk's attribute as written densely by `kind`, with the times its value changed."""
    attr.SetCustomDataByKey(CHUNK_KEY, {"kind": kind, "changed": Vt.DoubleArray([float(t) for t in changed_times])})


class SampledAttribute:
    def __init__(self, attr, same=None, dense=False):
        self.attr = attr
        self.same = same or _equal
        self._last = None  # the value last set
        self._first_time = None
        self._last_time = None
        self._sparse = None
        self._dense = dense  # a chunk export: every call a sample, see the module's comment
        self._changed = []

    def set(self, value, time):
        """Authors `value` at frame `time`."""
        if self._dense:
            self._set_dense(value, time)
        elif self._sparse is not None:
            self._sparse.SetTimeSample(value, Usd.TimeCode(time))
        elif self._first_time is None:
            self._first_time = time
            self.attr.Set(value)
        elif not self.same(value, self._last):
            self._to_samples()
            self._sparse.SetTimeSample(value, Usd.TimeCode(time))
        self._last, self._last_time = value, time

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
        elif self._sparse is not None:
            self._sparse.SetTimeSample(self._last, Usd.TimeCode(time))
        self._last_time = time

    def _to_samples(self):
        self.attr.ClearDefault()
        self._sparse = UsdUtils.SparseAttrValueWriter(self.attr)
        self._sparse.SetTimeSample(self._last, Usd.TimeCode(self._first_time))
        self._sparse.SetTimeSample(self._last, Usd.TimeCode(self._last_time))  # the held run's end (or again the first)


def sample_indices(changed):
    """Which frames to write, given `changed[i]`: frame i + 1 differs from frame i; None when
    none differs (a default value serves). With each change goes the frame before it, the end
    of the value held until then, so interpolation between samples stays exact; frames before
    the first sample and after the last hold those samples' values, as USD reads them."""
    change = np.flatnonzero(changed) + 1
    if not len(change):
        return None
    return np.union1d(change - 1, change)


def write_gathered(attr, times, values, changed, dense=False):
    """Authors values gathered over the whole frame range: a default when `changed` (as for
    `sample_indices`) is all false, else the chosen time samples, straight into the layer.
    `dense` (a chunk export): every frame a sample, with the changes recorded."""
    if dense:
        record_chunk(attr, "gathered", [times[i + 1] for i in np.flatnonzero(changed)])
        indices = range(len(times))
    else:
        indices = sample_indices(changed)
    if indices is None:
        attr.Set(values[0])
        return
    layer, path = attr.GetStage().GetEditTarget().GetLayer(), attr.GetPath()
    for i in indices:
        layer.SetTimeSample(path, float(times[i]), values[int(i)])
