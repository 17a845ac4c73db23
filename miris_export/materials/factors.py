"""Constant factors between a texture and the shader, as UsdUVTexture's `scale` and `bias`.

UsdUVTexture outputs `texel * scale + bias` per channel, so a texture multiplied, offset or mixed
with constants on the way to the shader (a Mix node's Multiply, Add, Subtract or Mix with a constant
colour, a Math node's Multiply, Add, Subtract, Multiply Add or Divide with constants, unlinked or
from RGB and Value nodes) keeps its
effect. `peel` walks such nodes towards the texture and composes their effect; a texture multiplied
or mixed with a colour that is not constant is kept alone, as Blender's own exporter does.
"""
from .nodes import upstream

ONE, ZERO = (1.0, 1.0, 1.0, 1.0), (0.0, 0.0, 0.0, 0.0)
_MAX_NODES = 32


def peel(source, kind, warn):
    """(source of the texture, scale, bias, approximate): the nodes of constant factors at `source`
    looked through, their effect as 4-tuples so that what reached the shader is `texture * scale +
    bias`. A Multiply of a texture by something that is not constant (a colour attribute, another
    texture...) keeps the texture and drops the other side, with a report line: `approximate`."""
    scale, bias, approximate = ONE, ZERO, False
    for _ in range(_MAX_NODES):
        step = _affine(source, kind) or _dominant_texture(source, kind)
        if step is None:
            break
        inner, s, b, clamped = step
        if clamped is None:  # _dominant_texture
            approximate = True
            warn(f"a texture multiplied or mixed in {source.node.bl_label!r} with a colour that is not constant (a "
                 "colour attribute, another texture...) is exported alone")
        elif clamped and not _stays_in_unit_range(s, b):
            warn(f"the clamp of {source.node.bl_label!r} after the texture is not expressible; it is dropped")
        # outer(inner) = (texel * s + b) * scale + bias
        scale, bias = _mul(s, scale), tuple(x * y + z for x, y, z in zip(b, scale, bias))
        source = inner
    return source, scale, bias, approximate


def compose(scale, bias, after_scale=None, after_bias=None):
    """`texture * scale + bias`, then times `after_scale` plus `after_bias` (4-tuples or None)."""
    after_scale, after_bias = after_scale or ONE, after_bias or ZERO
    return _mul(scale, after_scale), tuple(b * s + c for b, s, c in zip(bias, after_scale, after_bias))


def _mul(a, b):
    return tuple(x * y for x, y in zip(a, b))


def _stays_in_unit_range(s, b):
    """A clamp to [0, 1] is a no-op when texels in [0, 1] stay there."""
    return all(min(bb, ss + bb) >= 0.0 and max(bb, ss + bb) <= 1.0 for ss, bb in zip(s[:3], b[:3]))


def _affine(source, kind):
    """(inner source, scale, bias, clamps) when the node at `source` is texture * s + b with constant
    s and b and exactly one linked operand, else None."""
    node = source.node
    if node is None:
        return None
    # Only nodes whose result is of the input's own kind: a float node would turn a colour grey.
    if node.type == "MATH" and kind == "float":
        return _math(node, source.groups)
    wanted = "RGBA" if kind == "color" else "FLOAT"
    if node.type == "MIX" and getattr(node, "data_type", "") == wanted and \
            getattr(node, "factor_mode", "UNIFORM") == "UNIFORM":
        color = node.data_type == "RGBA"
        suffix = "_Color" if color else "_Float"
        sockets = (_by_id(node, "Factor_Float"), _by_id(node, "A" + suffix), _by_id(node, "B" + suffix))
        return _mix(node.blend_type, sockets, source.groups, node.clamp_factor, node.clamp_result, color)
    if node.type == "MIX_RGB" and kind == "color":
        return _mix(node.blend_type, tuple(node.inputs[:3]), source.groups, True, node.use_clamp, True)
    return None


def _dominant_texture(source, kind):
    """A colour Multiply or Mix of two linked sides, one of which leads to an image: that side, unscaled."""
    node = source.node
    if kind != "color" or node is None or getattr(node, "blend_type", "") not in {"MULTIPLY", "MIX"}:
        return None
    if node.type == "MIX" and node.data_type == "RGBA":
        sides = (_by_id(node, "A_Color"), _by_id(node, "B_Color"))
    elif node.type == "MIX_RGB":
        sides = tuple(node.inputs[1:3])
    else:
        return None
    sources = [upstream(s, source.groups) for s in sides]
    images = [s for s in sources if s.node is not None and _leads_to_image(s, kind)]
    if len(images) != 1 or any(_constant(s) is not None for s in sources):
        return None
    return images[0], ONE, ZERO, None


def _leads_to_image(source, kind):
    for _ in range(_MAX_NODES):
        if source.node is None or source.node.type == "TEX_IMAGE":
            break
        step = _affine(source, kind)
        if step is None:
            break
        source = step[0]
    return source.node is not None and source.node.type == "TEX_IMAGE"


def _by_id(node, identifier):
    return next(s for s in node.inputs if s.identifier == identifier)


def _split(sockets, groups):
    """(index of the one linked socket, its source, constants of the others) or None."""
    sources = [upstream(s, groups) for s in sockets]
    constants = [_constant(s) for s in sources]
    linked = [i for i, c in enumerate(constants) if c is None]
    if len(linked) != 1:
        return None
    return linked[0], sources[linked[0]], constants


def _constant(source):
    """The value of an unlinked socket, or of an RGB or Value node; None for anything else."""
    if source.node is None:
        return source.socket.default_value
    if source.node.type in {"RGB", "VALUE"}:
        return source.node.outputs[0].default_value
    return None


def _math(node, groups):
    arity = {"ADD": 2, "SUBTRACT": 2, "MULTIPLY": 2, "DIVIDE": 2, "MULTIPLY_ADD": 3}.get(node.operation)
    if arity is None:
        return None
    split = _split(node.inputs[:arity], groups)
    if split is None:
        return None
    i, inner, k = split
    op = node.operation
    if op == "ADD":
        s, b = 1.0, k[1 - i]
    elif op == "MULTIPLY":
        s, b = k[1 - i], 0.0
    elif op == "SUBTRACT":
        s, b = (1.0, -k[1]) if i == 0 else (-1.0, k[0])
    elif op == "DIVIDE":
        if i != 0 or k[1] == 0.0:
            return None
        s, b = 1.0 / k[1], 0.0
    else:  # MULTIPLY_ADD: a * b + c
        s, b = (k[1], k[2]) if i == 0 else (k[0], k[2]) if i == 1 else (1.0, k[0] * k[1])
    return inner, (float(s),) * 4, (float(b),) * 4, node.use_clamp


def _mix(blend, sockets, groups, clamp_factor, clamp_result, color):
    """Cycles' mix of A and B by a constant factor f, with A or B the texture."""
    factor = _constant(upstream(sockets[0], groups))
    if blend not in {"MIX", "MULTIPLY", "ADD", "SUBTRACT"} or factor is None:
        return None
    split = _split(sockets[1:], groups)
    if split is None:
        return None
    i, inner, k = split
    f = float(factor)
    if clamp_factor:
        f = min(max(f, 0.0), 1.0)
    c = k[1 - i]
    c = tuple(float(v) for v in c)[:3] if color else (float(c),) * 3
    texture_is_a = i == 0
    if blend == "MIX":
        s, b = ((1 - f,) * 3, tuple(f * v for v in c)) if texture_is_a else ((f,) * 3, tuple((1 - f) * v for v in c))
    elif blend == "MULTIPLY":
        s, b = (tuple(1 - f + f * v for v in c), (0.0,) * 3) if texture_is_a else \
            (tuple(f * v for v in c), tuple((1 - f) * v for v in c))
    elif blend == "ADD":
        s, b = ((1.0,) * 3, tuple(f * v for v in c)) if texture_is_a else ((f,) * 3, c)
    else:  # SUBTRACT: A - f * B
        s, b = ((1.0,) * 3, tuple(-f * v for v in c)) if texture_is_a else ((-f,) * 3, c)
    if color:  # alpha passes through a colour mix
        return inner, (*s, 1.0), (*b, 0.0), clamp_result
    return inner, (*s, s[0]), (*b, b[0]), clamp_result
