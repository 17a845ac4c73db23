"""Reading a shader node tree (a material's or a World's): the active output, and what feeds a socket
through reroutes, groups and muted nodes."""
from dataclasses import dataclass
from typing import Any

# Material Preview is EEVEE: its output wins, then one for all engines, then Cycles'.
_TARGET_ORDER = (("EEVEE", "ALL"), ("CYCLES",))
_MAX_HOPS = 512  # a cyclic (broken) tree must not hang the export
# Node groups read as one shader, by their inputs, rather than entered: the glTF add-on's
# Metallic Roughness group from files of its older exporter (linked from a pbr_node library).
SHADER_GROUPS = {"glTF Metallic Roughness"}


@dataclass(frozen=True)
class Source:
    """What feeds an input: `node` and its output `socket`, or, when nothing is linked, node None and
    the input socket whose default value is the constant. `groups` are the group nodes entered on the
    way, outermost first, so the search can go on from `node`'s own inputs."""

    node: Any
    socket: Any
    groups: tuple = ()


def active_output(tree, kind="OUTPUT_MATERIAL"):
    """The output node of type `kind` (OUTPUT_MATERIAL, OUTPUT_WORLD) the viewport uses, or None."""
    outputs = [n for n in tree.nodes if n.type == kind]
    for targets in _TARGET_ORDER:
        for node in outputs:
            if node.is_active_output and node.target in targets:
                return node
    for targets in _TARGET_ORDER:
        for node in outputs:
            if node.target in targets:
                return node
    return outputs[0] if outputs else None


def upstream(socket, groups=()):
    """The Source of an input socket, seen through reroutes, muted nodes and (nested) node groups."""
    for _ in range(_MAX_HOPS):
        link = _link(socket)
        if link is None:
            return Source(None, socket, groups)
        node, out = link.from_node, link.from_socket
        if node.type == "REROUTE":
            socket = node.inputs[0]
        elif node.mute:
            passing = [lk.from_socket for lk in node.internal_links if lk.to_socket == out]
            if not passing:
                return Source(None, socket, groups)
            socket = passing[0]
        elif node.type == "GROUP" and shader_group(node) is None:
            inner = _group_output(node.node_tree)
            inner_socket = inner and _by_identifier(inner.inputs, out.identifier)
            if inner_socket is None:
                return Source(None, socket, groups)
            socket, groups = inner_socket, groups + (node,)
        elif node.type == "GROUP_INPUT":
            if not groups:
                return Source(None, socket, groups)
            outer, groups = groups[-1], groups[:-1]
            socket = _by_identifier(outer.inputs, out.identifier)
            if socket is None:
                return Source(None, link.to_socket, groups)
        else:
            return Source(node, out, groups)
    return Source(None, socket, groups)


def shader_group(node):
    """The SHADER_GROUPS name of a group node (ignoring a `.001` suffix), or None."""
    tree = node.node_tree
    if tree is None:
        return None
    name = tree.name
    base = name.rsplit(".", 1)[0] if name[-4:-3] == "." and name[-3:].isdigit() else name
    return base if base in SHADER_GROUPS else None


def input_source(node, name, groups=()):
    """The Source of `node`'s input called `name` (None when the node has no such input)."""
    socket = node.inputs.get(name)
    return None if socket is None else upstream(socket, groups)


def _link(socket):
    if not socket.is_linked:
        return None
    for link in socket.links:
        if link.is_valid and not link.is_muted:
            return link
    return None


def _group_output(tree):
    if tree is None:
        return None
    outputs = [n for n in tree.nodes if n.type == "GROUP_OUTPUT"]
    active = [n for n in outputs if n.is_active_output]
    return (active or outputs or [None])[0]


def _by_identifier(sockets, identifier):
    for socket in sockets:
        if socket.identifier == identifier:
            return socket
    return None
