"""Valid, unique and stable USD prim names from Blender names."""
import re

_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")


def identifier(name):
    """A valid USD identifier for a Blender name: ASCII letters, digits and '_', not starting with a digit.

    Non-ASCII characters become '_' too: USD accepts UTF-8 names only from
    24.03 on, and renderers that key on names cope best with plain ASCII.
    """
    ident = _NOT_IDENTIFIER.sub("_", name) or "_"
    if ident[0].isdigit():
        ident = "_" + ident
    return ident


class SiblingNames:
    """Hands out names unique among the children of each parent path.

    `Cube.001` and `Cube_001` both become `Cube_001`; the one claimed second
    gets `Cube_001_1`. Claims come in a deterministic order, so two exports of
    the same scene give the same names.
    """

    def __init__(self):
        self._taken = {}
        self._suffix = {}  # (parent, base) -> the suffix last given: those below are all taken
        self._identifiers = {}  # Blender name -> identifier: thousands of instances share a few names

    def claim(self, parent_path, name):
        parent = str(parent_path)
        taken = self._taken.setdefault(parent, set())
        base = self._identifiers.get(name)
        if base is None:
            base = self._identifiers[name] = identifier(name)
        # Thousands of instances share a name: start from the suffix last given, not from 1.
        n = self._suffix.get((parent, base), 0)
        unique = f"{base}_{n}" if n else base
        while unique in taken:
            n += 1
            unique = f"{base}_{n}"
        taken.add(unique)
        self._suffix[(parent, base)] = n
        return unique

    def reserve(self, parent_path, name):
        """Marks a name as used without renaming it (fixed prims such as /Root/Lights)."""
        self._taken.setdefault(str(parent_path), set()).add(name)


# Primvars USD gives a meaning of their own (displayColor, displayOpacity; primvars:normals and
# primvars:widths override the attributes of those names) or that name other data of a prim;
# a UV map named so would change what the mesh looks like, or fail on a type mismatch.
RESERVED_PRIMVARS = frozenset({"displayColor", "displayOpacity", "normals", "widths", "points",
                               "velocities", "accelerations"})


def uv_primvar_name(name):
    """The primvar name of a UV map other than the active render one: its sanitized Blender
    name, with `_uv` added to a name USD reserves."""
    ident = identifier(name)
    return ident + "_uv" if ident in RESERVED_PRIMVARS else ident


def uv_primvar_names(uv_maps):
    """USD primvar names for (name, active_render) UV maps, in the same order.

    The active render map is `st`, the name UsdPreviewSurface readers use by
    convention; the others keep their sanitized Blender name (see uv_primvar_name);
    all are unique.
    """
    result, taken = [None] * len(uv_maps), set()
    for i in sorted(range(len(uv_maps)), key=lambda i: not uv_maps[i][1]):
        name, active = uv_maps[i]
        base = "st" if active else uv_primvar_name(name)
        unique, n = base, 0
        while unique in taken:
            n += 1
            unique = f"{base}_{n}"
        taken.add(unique)
        result[i] = unique
    return result
