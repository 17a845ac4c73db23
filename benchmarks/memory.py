"""This process's resident memory, from Linux's /proc (no bpy, no pxr: bounds.py runs with usd-core alone)."""


def status_kb(field):
    """A field of /proc/self/status in kB (VmRSS: resident now, VmHWM: its high-water mark)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def reset_high_water_mark():
    """Linux resets the peak resident size (VmHWM, what ru_maxrss reports) on writing 5 to clear_refs."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False
