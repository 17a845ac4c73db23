"""Writing attribute values once per frame, keeping only what changes.

A value that never changes is authored as the attribute's default (no time
samples). Once it changes, it becomes time samples written through
`UsdUtils.SparseAttrValueWriter`, which drops repeated values but keeps the
last frame of every held run so interpolation stays exact. Transforms, met
for every object at every frame, are gathered over the frame range instead
and written at the end in the same sparse way (`write_gathered`).
"""
import numpy as np
from pxr import Usd, UsdUtils


def _equal(a, b):
    try:
        return bool(a == b)
    except Exception:  # values of different shapes
        return False


class SampledAttribute:
    def __init__(self, attr, same=None):
        self.attr = attr
        self.same = same or _equal
        self._last = None  # the value last set
        self._first_time = None
        self._last_time = None
        self._sparse = None

    def set(self, value, time):
        """Authors `value` at frame `time`."""
        if self._sparse is not None:
            self._sparse.SetTimeSample(value, Usd.TimeCode(time))
        elif self._first_time is None:
            self._first_time = time
            self.attr.Set(value)
        elif not self.same(value, self._last):
            self._to_samples()
            self._sparse.SetTimeSample(value, Usd.TimeCode(time))
        self._last, self._last_time = value, time

    def hold(self, time):
        """Says the value at `time` is the one last set, without computing it again."""
        if self._sparse is not None:
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


def write_gathered(attr, times, values, changed):
    """Authors values gathered over the whole frame range: a default when `changed` (as for
    `sample_indices`) is all false, else the chosen time samples, straight into the layer."""
    indices = sample_indices(changed)
    if indices is None:
        attr.Set(values[0])
        return
    layer, path = attr.GetStage().GetEditTarget().GetLayer(), attr.GetPath()
    for i in indices:
        layer.SetTimeSample(path, float(times[i]), values[int(i)])
