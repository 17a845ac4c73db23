"""numpy's linear algebra on one thread while an export runs.

The export solves and inverts many small matrices (transforms made local to their parents,
skeleton joints made local to theirs), a few at a time. OpenBLAS, which numpy's wheels bundle,
wakes its threads for each such call: that costs several times the work of a 4x4 solve (ten times
on a busy machine), and the threads have nothing to share. The result is the same on one thread.
Where numpy uses another library, or OpenBLAS cannot be found, nothing changes.
"""
import contextlib
import ctypes
import functools
import glob
import os

# Where numpy's wheels keep their bundled libraries: Linux, Windows; macOS.
_FOLDERS = (os.path.join(os.pardir, "numpy.libs"), ".libs", ".dylibs")
# numpy 2's wheels name the functions scipy_openblas_*, numpy 1's openblas_*; 64-bit integer builds end in 64_.
_NAMES = [(f"{prefix}_get_num_threads{suffix}", f"{prefix}_set_num_threads{suffix}")
          for prefix in ("scipy_openblas", "openblas") for suffix in ("64_", "")]


@functools.cache
def _controls():
    """(get, set) of the thread count of the OpenBLAS numpy loaded, or None."""
    import numpy

    here = os.path.dirname(numpy.__file__)
    for folder in _FOLDERS:
        for path in sorted(glob.glob(os.path.join(here, folder, "*openblas*"))):
            try:
                library = ctypes.CDLL(path)  # already loaded by numpy: the same library
            except OSError:
                continue
            for get_name, set_name in _NAMES:
                get, set_ = getattr(library, get_name, None), getattr(library, set_name, None)
                if get is not None and set_ is not None:
                    get.restype, set_.argtypes = ctypes.c_int, [ctypes.c_int]
                    return get, set_
    return None


@contextlib.contextmanager
def one_thread():
    """Within this context numpy's OpenBLAS runs on one thread; its count is put back after."""
    controls = _controls()
    if controls is None:
        yield
        return
    get, set_ = controls
    before = get()
    set_(1)
    try:
        yield
    finally:
        set_(before)
