"""Writing attribute values once per frame, keeping only what changes.

A value that never changes is authored as the attribute's default (no time
samples). Once it changes, it becomes time samples written through
`UsdUtils.SparseAttrValueWriter`, which drops repeated values but keeps the
last frame of every held run so interpolation stays exact.
"""
from pxr import Usd, UsdUtils


def _equal(a, b):
    try:
        return bool(a == b)
    except Exception:  # values of different shapes
        return False


class SampledAttribute:
    def __init__(self, attr, animated, same=None):
        self.attr = attr
        self.animated = animated
        self.same = same or _equal
        self._last = None  # the value last set
        self._first_time = None
        self._last_time = None
        self._sparse = None

    def set(self, value, time):
        """Authors `value` at frame `time` (a number; ignored on a static export)."""
        if not self.animated:
            self.attr.Set(value)
            return
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
        if self._last_time != self._first_time:
            self._sparse.SetTimeSample(self._last, Usd.TimeCode(self._last_time))
