"""Texture coordinates a material computes: the node chain feeding an Image Texture's Vector input.

UsdUVTexture reads its coordinates from one primvar, so a chain of UV Map, Texture Coordinate (UV),
Attribute, Mapping, Separate/Combine XYZ, Math and Vector Math nodes is read into an expression (a
nested tuple, hashable, the same for every mesh) and evaluated per face corner of each mesh that
uses the material, with numpy, following Cycles' definitions of the nodes. The result is written on
the mesh as a texCoord2f primvar named after the expression, so identical chains share one primvar.
Coordinates that depend on the view or the shading point (window, camera, reflection, normal...)
cannot be written as a primvar and are refused with Unevaluable.

Expressions: ("uv", map) with "" for the active render map; ("attr", name, output); ("const", value)
with a float or an (x, y, z) tuple; ("mapping", type, vector, location, rotation, scale);
("math", op, clamp, a, b, c); ("vmath", op, output, a, b, c, scale); ("sep", axis, vector);
("comb", x, y, z); ("float", vector, how) and ("vector", float) for Blender's implicit conversions;
("udim", layout, coordinates) for coordinates moved into a UDIM atlas (usd.udim).
"""
import hashlib

import numpy as np

from ..blender.attributes import read_array
from ..blender.mesh_data import face_sizes
from ..usd import udim
from .nodes import upstream

_MAX_DEPTH = 64  # a cyclic (broken) chain must not recurse forever
_LUMINANCE = (0.2126, 0.7152, 0.0722)
_FLOAT_SOCKETS = {"VALUE", "INT", "BOOLEAN"}


class Unevaluable(Exception):
    """Coordinates that cannot be computed per corner; the message names what they come from."""


def read_chain(image_node, groups=()):
    """The expression of an Image Texture node's coordinates: a UV map name ("" for the active render
    map) when they are a plain UV map, else an expression tuple. Raises Unevaluable."""
    socket = image_node.inputs.get("Vector")
    if socket is None or upstream(socket, groups).node is None:  # unlinked: the active render map
        return ""
    if getattr(image_node, "projection", "FLAT") != "FLAT":
        raise Unevaluable(f"the {image_node.projection.lower()} projection")
    expr = _simplify(_read(socket, groups, "vector", 0))
    if expr[0] == "uv":
        return expr[1]
    return expr


def in_udim_atlas(uv_map, grid):
    """The coordinates `uv_map` (a map name or an expression) moved into a UDIM atlas laid out as
    `grid` (usd.udim.layout); unchanged when there is no layout (the image cannot be written)."""
    if grid is None or uv_map is None:
        return uv_map
    return ("udim", grid, ("uv", uv_map) if isinstance(uv_map, str) else uv_map)


def primvar_name(expr):
    """A stable primvar name for a derived expression: the same chain gives the same name everywhere."""
    return "st_" + hashlib.sha1(repr(expr).encode()).hexdigest()[:8]


# Reading -----------------------------------------------------------------------------------------

def _read(socket, groups, want, depth):
    """The expression feeding input `socket`, as a `want` ("float" or "vector") value."""
    if depth > _MAX_DEPTH:
        raise Unevaluable("a chain of nodes too deep (or a cycle)")
    source = upstream(socket, groups)
    if source.node is None:
        return ("const", _constant(source.socket, want))
    kind = "float" if source.socket.type in _FLOAT_SOCKETS else "vector"
    expr = _node(source, depth + 1)
    if kind == want:
        return expr
    if want == "vector":
        return ("vector", expr)
    return ("float", expr, "luminance" if source.socket.type == "RGBA" else "average")


def _constant(socket, want):
    value = getattr(socket, "default_value", 0.0)
    if isinstance(value, (int, float, bool)):
        value = float(value)
        return value if want == "float" else (value,) * 3
    values = tuple(float(v) for v in value)[:3]
    if want == "vector":
        return values
    weights = _LUMINANCE if socket.type == "RGBA" else (1 / 3,) * 3
    return float(sum(w * v for w, v in zip(weights, values)))


def _node(source, depth):
    node, out, groups = source.node, source.socket.identifier, source.groups

    def arg(index, want):
        return _read(node.inputs[index], groups, want, depth)

    kind = node.type
    if kind == "UVMAP":
        return ("uv", node.uv_map)
    if kind == "TEX_COORD":
        if out != "UV":
            raise Unevaluable(f"the Texture Coordinate node's {out} output")
        return ("uv", "")
    if kind == "ATTRIBUTE":
        if node.attribute_type != "GEOMETRY" or out == "Alpha":
            raise Unevaluable(f"the Attribute node {node.attribute_name!r} ({node.attribute_type.lower()})")
        return ("attr", node.attribute_name, out)
    if kind == "MAPPING":
        def part(name, default):
            socket = node.inputs.get(name)  # hidden (Location of the Vector and Normal types): unused
            return _read(socket, groups, "vector", depth) if socket and socket.enabled else ("const", default)
        return ("mapping", node.vector_type, arg(0, "vector"), part("Location", (0.0,) * 3),
                part("Rotation", (0.0,) * 3), part("Scale", (1.0,) * 3))
    if kind == "MATH":
        if node.operation not in _MATH:
            raise Unevaluable(f"a Math node's {node.operation.lower()} operation")
        arity = _MATH[node.operation][0]
        args = tuple(arg(i, "float") if i < arity else None for i in range(3))
        return ("math", node.operation, bool(node.use_clamp), *args)
    if kind == "VECT_MATH":
        if node.operation not in _VECTOR_MATH:
            raise Unevaluable(f"a Vector Math node's {node.operation.lower()} operation")
        arity = _VECTOR_MATH[node.operation][0]
        args = tuple(arg(i, "vector") if i < arity else None for i in range(3))
        scale = arg(3, "float") if node.operation == "SCALE" else None
        return ("vmath", node.operation, out, *args, scale)
    if kind in {"SEPXYZ", "SEPARATE_COLOR"}:
        if getattr(node, "mode", "RGB") != "RGB":
            raise Unevaluable(f"a Separate Color node in {node.mode} mode")
        axis = [s.identifier for s in node.outputs].index(out)
        return ("sep", axis, arg(0, "vector"))
    if kind in {"COMBXYZ", "COMBINE_COLOR"}:
        if getattr(node, "mode", "RGB") != "RGB":
            raise Unevaluable(f"a Combine Color node in {node.mode} mode")
        return ("comb", arg(0, "float"), arg(1, "float"), arg(2, "float"))
    if kind in {"VALUE", "RGB"}:
        value = node.outputs[0].default_value
        return ("const", float(value) if kind == "VALUE" else tuple(float(v) for v in value)[:3])
    raise Unevaluable(f"{node.bl_label!r}")


def _simplify(expr):
    """Looks through a Mapping node that leaves coordinates as they are (the common default)."""
    if expr[0] == "mapping":
        vtype, vector, loc, rot, scale = expr[1:]
        identity = loc == ("const", (0.0,) * 3) and rot == ("const", (0.0,) * 3) and scale == ("const", (1.0,) * 3)
        if identity and vtype in {"POINT", "TEXTURE", "VECTOR"}:
            return _simplify(vector)
    return expr


# Evaluating --------------------------------------------------------------------------------------

# Attribute data type -> (components, property, numpy type foreach_get fills)
_ATTRIBUTE_TYPES = {"FLOAT": (1, "value", np.float32), "INT": (1, "value", np.int32),
                    "BOOLEAN": (1, "value", np.bool_), "FLOAT2": (2, "vector", np.float32),
                    "FLOAT_VECTOR": (3, "vector", np.float32), "FLOAT_COLOR": (4, "color", np.float32),
                    "BYTE_COLOR": (4, "color", np.float32)}


class _Corners:
    """What an expression reads from one evaluated mesh, per face corner."""

    def __init__(self, mesh, report, label):
        self.mesh, self.report, self.label = mesh, report, label
        self.count = len(mesh.loops)

    def uv(self, name):
        layers = self.mesh.uv_layers
        layer = layers.get(name) if name else None
        if layer is None:
            layer = next((uv for uv in layers if uv.active_render), None)
        if layer is None:
            self.report.warn(f"{self.label}: has no UV map{' ' + repr(name) if name else ''} for its computed "
                             "texture coordinates; (0, 0) is used, as Blender renders it")
            return np.zeros((self.count, 3))
        values = np.zeros((self.count, 3))
        values[:, :2] = read_array(layer.uv, "vector", self.count, 2, np.float32)
        return values

    def attribute(self, name, output):
        attr = self.mesh.attributes.get(name)
        if attr is None:
            self.report.warn(f"{self.label}: has no attribute {name!r} for its computed texture coordinates; "
                             "zero is used, as Blender renders it")
            return np.zeros((self.count, 3))
        width, prop, dtype = _ATTRIBUTE_TYPES.get(attr.data_type, (0, None, None))
        if prop is None:
            raise Unevaluable(f"the attribute {name!r} of type {attr.data_type}")
        raw = read_array(attr.data, prop, len(attr.data), width, dtype)
        raw = np.asarray(raw, np.float64).reshape(len(attr.data), width)
        values = np.zeros((len(raw), 3))
        if width == 1:
            values[:] = raw
        else:
            values[:, :min(width, 3)] = raw[:, :3]
        if output == "Fac" and width > 1:  # Cycles' Fac of a vector or colour: the average of x, y, z
            values[:] = values.mean(axis=1, keepdims=True)
        return values[self._corner_index(attr.domain)]

    def faces(self):
        """The face of each corner."""
        return self._corner_index("FACE")

    def _corner_index(self, domain):
        mesh, count = self.mesh, self.count
        if domain == "CORNER":
            return slice(None)
        if domain == "POINT":
            return read_array(mesh.loops, "vertex_index", count, 1, np.int32)
        if domain == "EDGE":
            return read_array(mesh.loops, "edge_index", count, 1, np.int32)
        if domain == "FACE":  # a face's corners follow one another
            return np.repeat(np.arange(len(mesh.polygons), dtype=np.int32), face_sizes(mesh, count))
        raise Unevaluable(f"an attribute on the {domain.lower()} domain")


def evaluate(expr, mesh, report, label):
    """(corners, 2) float32 coordinates of the expression on an evaluated mesh, in corner order."""
    memo = {}

    def ev(e):
        key = id(e)
        if key not in memo:
            memo[key] = _evaluate(e, ev, corners)
        return memo[key]

    corners = _Corners(mesh, report, label)
    value = np.broadcast_to(ev(expr), (corners.count, 3))
    return np.ascontiguousarray(value[:, :2], np.float32)


def _evaluate(expr, ev, corners):
    kind = expr[0]
    if kind == "const":
        return np.asarray(expr[1], np.float64)[None] if isinstance(expr[1], tuple) else np.float64(expr[1])
    if kind == "uv":
        return corners.uv(expr[1])
    if kind == "attr":
        values = corners.attribute(expr[1], expr[2])
        return values[:, 0] if expr[2] == "Fac" else values
    if kind == "vector":
        return np.repeat(np.atleast_1d(ev(expr[1]))[:, None], 3, axis=1)
    if kind == "float":
        v = ev(expr[1])
        weights = np.array(_LUMINANCE) if expr[2] == "luminance" else np.full(3, 1 / 3)
        return v @ weights
    if kind == "udim":
        uv = np.broadcast_to(ev(expr[2]), (corners.count, 3))[:, :2]
        out = np.zeros((corners.count, 3))
        out[:, :2] = udim.remap(uv, corners.faces(), len(corners.mesh.polygons), expr[1])
        return out
    if kind == "sep":
        return ev(expr[2])[:, expr[1]]
    if kind == "comb":
        parts = np.broadcast_arrays(*(np.atleast_1d(ev(e)) for e in expr[1:]))
        return np.stack(parts, axis=-1)
    if kind == "mapping":
        return _mapping(expr[1], *(ev(e) for e in expr[2:]))
    if kind == "math":
        op, clamp = expr[1], expr[2]
        arity, fn = _MATH[op]
        with np.errstate(all="ignore"):
            result = fn(*(ev(e) for e in expr[3:3 + arity]))
        result = np.nan_to_num(np.asarray(result, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        return np.clip(result, 0.0, 1.0) if clamp else result
    if kind == "vmath":
        op, out = expr[1], expr[2]
        arity, fn = _VECTOR_MATH[op]
        args = [ev(e) for e in expr[3:3 + arity]]
        if op == "SCALE":
            args.append(np.atleast_1d(ev(expr[6]))[:, None])
        with np.errstate(all="ignore"):
            result = np.nan_to_num(np.asarray(fn(*args), np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        gives_value = op in _VALUE_OPS
        if out == "Value":  # the output a vector operation leaves unused is zero
            return result if gives_value else np.float64(0.0)
        return np.zeros((1, 3)) if gives_value else result
    raise Unevaluable(f"an expression {kind!r}")


# Nodes as Cycles defines them --------------------------------------------------------------------

def _safe_divide(a, b):
    b = np.asarray(b, np.float64)
    return np.where(b != 0.0, a / np.where(b != 0.0, b, 1.0), 0.0)


def _rotate(v, euler, inverse=False):
    """Rotation by Euler XYZ angles (Blender's R = Rz Ry Rx: x first), or by its inverse."""
    euler = np.broadcast_to(euler, np.broadcast_shapes(np.shape(v), np.shape(euler)))
    v = np.array(np.broadcast_to(v, euler.shape), np.float64)
    planes = {0: (1, 2), 1: (2, 0), 2: (0, 1)}  # the components each axis turns, in right-handed order
    for axis in ((2, 1, 0) if inverse else (0, 1, 2)):
        i, j = planes[axis]
        angle = -euler[:, axis] if inverse else euler[:, axis]
        c, s = np.cos(angle), np.sin(angle)
        vi, vj = v[:, i].copy(), v[:, j].copy()
        v[:, i], v[:, j] = c * vi - s * vj, s * vi + c * vj
    return v


def _mapping(vtype, vector, location, rotation, scale):
    vector = np.broadcast_to(vector, np.broadcast_shapes(np.shape(vector), np.shape(location),
                                                         np.shape(rotation), np.shape(scale)))
    if vtype == "POINT":
        return _rotate(vector * scale, rotation) + location
    if vtype == "TEXTURE":
        return _safe_divide(_rotate(vector - location, rotation, inverse=True), scale)
    if vtype == "VECTOR":
        return _rotate(vector * scale, rotation)
    v = _rotate(_safe_divide(vector, scale), rotation)  # NORMAL
    return _normalize(v)


def _normalize(v):
    length = np.linalg.norm(v, axis=-1, keepdims=True)
    return _safe_divide(v, length)


def _wrap(value, top, bottom):
    span = top - bottom
    return np.where(span != 0.0, value - span * np.floor(_safe_divide(value - bottom, span)), bottom)


def _pingpong(a, b):
    return np.where(b != 0.0, np.abs(np.mod(_safe_divide(a - b, b * 2.0), 1.0) * b * 2.0 - b), 0.0)


def _fmod(a, b):
    return np.where(b != 0.0, np.fmod(a, np.where(b != 0.0, b, 1.0)), 0.0)


_MATH = {
    "ADD": (2, np.add), "SUBTRACT": (2, np.subtract), "MULTIPLY": (2, np.multiply),
    "DIVIDE": (2, _safe_divide), "MULTIPLY_ADD": (3, lambda a, b, c: a * b + c),
    "POWER": (2, lambda a, b: np.where((a >= 0) | (np.floor(b) == b), np.power(a, b), 0.0)),
    "SQRT": (1, lambda a: np.where(a > 0, np.sqrt(np.abs(a)), 0.0)),
    "INVERSE_SQRT": (1, lambda a: np.where(a > 0, 1.0 / np.sqrt(np.abs(a)), 0.0)),
    "ABSOLUTE": (1, np.abs), "EXPONENT": (1, np.exp),
    "MINIMUM": (2, np.minimum), "MAXIMUM": (2, np.maximum),
    "LESS_THAN": (2, lambda a, b: (a < b).astype(np.float64)),
    "GREATER_THAN": (2, lambda a, b: (a > b).astype(np.float64)),
    "SIGN": (1, np.sign), "COMPARE": (3, lambda a, b, c: (np.abs(a - b) <= np.maximum(c, 1e-5)).astype(np.float64)),
    "ROUND": (1, lambda a: np.floor(a + 0.5)), "FLOOR": (1, np.floor), "CEIL": (1, np.ceil),
    "TRUNC": (1, np.trunc), "FRACT": (1, lambda a: a - np.floor(a)),
    "MODULO": (2, _fmod), "FLOORED_MODULO": (2, lambda a, b: np.where(b != 0, a - np.floor(_safe_divide(a, b)) * b, 0.0)),
    "WRAP": (3, _wrap), "SNAP": (2, lambda a, b: np.floor(_safe_divide(a, b)) * b), "PINGPONG": (2, _pingpong),
    "SINE": (1, np.sin), "COSINE": (1, np.cos), "TANGENT": (1, np.tan),
    "ARCTAN2": (2, np.arctan2), "RADIANS": (1, np.radians), "DEGREES": (1, np.degrees),
}

_VALUE_OPS = {"DOT_PRODUCT", "DISTANCE", "LENGTH"}
_VECTOR_MATH = {
    "ADD": (2, np.add), "SUBTRACT": (2, np.subtract), "MULTIPLY": (2, np.multiply),
    "DIVIDE": (2, _safe_divide), "MULTIPLY_ADD": (3, lambda a, b, c: a * b + c),
    "CROSS_PRODUCT": (2, lambda a, b: np.cross(*np.broadcast_arrays(a, b))),
    "PROJECT": (2, lambda a, b: b * _safe_divide(np.sum(a * b, -1), np.sum(b * b, -1))[..., None]),
    "REFLECT": (2, lambda a, b: a - 2.0 * np.sum(_normalize(b) * a, -1)[..., None] * _normalize(b)),
    "DOT_PRODUCT": (2, lambda a, b: np.sum(a * b, -1)),
    "DISTANCE": (2, lambda a, b: np.linalg.norm(a - b, axis=-1)),
    "LENGTH": (1, lambda a: np.linalg.norm(a, axis=-1)),
    "SCALE": (1, lambda a, s: a * s), "NORMALIZE": (1, _normalize),
    "ABSOLUTE": (1, np.abs), "MINIMUM": (2, np.minimum), "MAXIMUM": (2, np.maximum),
    "FLOOR": (1, np.floor), "CEIL": (1, np.ceil), "FRACTION": (1, lambda a: a - np.floor(a)),
    "MODULO": (2, _fmod), "WRAP": (3, _wrap), "SNAP": (2, lambda a, b: np.floor(_safe_divide(a, b)) * b),
    "SINE": (1, np.sin), "COSINE": (1, np.cos), "TANGENT": (1, np.tan),
}
