"""Progress of a command-line export: a bar on a terminal, plain lines in a log, OpenJD lines on a farm."""
import sys
import time

MODES = ("auto", "bar", "lines", "openjd", "none")


class Progress:
    """The exporter's `progress(fraction)` callback. `report` gives the frame range and the objects
    written so far; output goes to `stream` (stderr: stdout keeps the report)."""

    def __init__(self, mode, report, stream=None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "lines"
        self.mode, self.report = mode, report
        self.started = None  # the first call: the scene is open and the frames begin
        self._said = None

    def __call__(self, fraction):
        if self.mode == "none":
            return
        if self.started is None:
            self.started = time.perf_counter()
        first, last = self.report.frames
        total = last - first + 1
        done = min(total, round(fraction * total))
        objects = self.report.prims["Xform"]
        elapsed = time.perf_counter() - self.started
        left = elapsed * (total - done) / done if done else None
        eta = "" if left is None else f", {left:.0f} s left"
        if self.mode == "bar":
            filled = int(30 * done / total)
            self._write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} frames, {objects} objects{eta}  ",
                        end="\n" if done == total else "")
        elif self.mode == "openjd":
            percent = int(100 * done / total)
            if percent != self._said:
                self._said = percent
                self._write(f"openjd_progress: {percent}")
                self._write(f"openjd_status: {done} of {total} frames, {objects} objects")
        else:  # a line every tenth of the range, and at the end
            step = done * 10 // total
            if step != self._said:
                self._said = step
                self._write(f"{done}/{total} frames, {objects} objects, {elapsed:.1f} s{eta}")

    def _write(self, text, end="\n"):
        self.stream.write(text + end)
        self.stream.flush()
