"""What a Blender World shows around the scene, read into a plain `Environment`.

The World's active output is followed to its Background (or Emission) shader:
its Color is an environment texture (an image, optionally turned by a Mapping
node) or a constant colour, times its Strength. The nodes are read as the
materials' are (materials/nodes.py): through reroutes, node groups and muted
nodes, from the output the viewport uses. Anything else (a sky texture, a mix
of shaders, a linked strength) is approximated and the `notes` say how.
"""
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..materials.nodes import active_output, upstream

_SHADERS = {"BACKGROUND", "EMISSION"}
NOT_TURNED = np.eye(3)  # the rotation of an environment no Mapping node turns, shared (read-only)
NOT_TURNED.flags.writeable = False
_MIXES = {"MIX_SHADER", "ADD_SHADER"}


@dataclass
class Environment:
    color: tuple  # linear RGB, multiplied by the image when there is one
    strength: float
    image: Any = None  # bpy.types.Image of an environment texture; valid during the frame only
    projection: str = "EQUIRECTANGULAR"  # or MIRROR_BALL
    rotation: Any = field(default_factory=lambda: NOT_TURNED)  # Blender world: the lookup direction's rotation
    notes: list = field(default_factory=list)  # approximations, for the report
    viewport_color: tuple = (0.0, 0.0, 0.0)  # the World's viewport colour, the stand-in for a missing image

    @property
    def is_black(self):
        return self.strength <= 0.0 or (self.image is None and max(self.color) <= 0.0)


def uses_nodes(world):
    import bpy

    if bpy.app.version >= (5, 0, 0):  # nodes are always used; `use_nodes` is deprecated
        return world.node_tree is not None
    return world.use_nodes and world.node_tree is not None


def read_world(world):
    """The Environment a World shows, or None when it shows nothing (no World, no output, black)."""
    if world is None:
        return None
    env = _from_nodes(world) if uses_nodes(world) else Environment(tuple(world.color), 1.0)
    if env is None or env.is_black:
        return None
    env.viewport_color = tuple(world.color)
    return env


def _find(start, types):
    """(node, groups) pairs of `types` at or above `start`, a (node, groups) pair, breadth first;
    node groups are entered, as Blender evaluates them."""
    found, queue, seen = [], [start], set()
    while queue:
        node, groups = queue.pop(0)
        if node is None:
            continue
        key = (node.as_pointer(), tuple(g.as_pointer() for g in groups))
        if key in seen:
            continue
        seen.add(key)
        if node.type in types:
            found.append((node, groups))
        for socket in node.inputs:
            source = upstream(socket, groups)
            queue.append((source.node, source.groups))
    return found


def _value(node, name, groups, notes):
    """The constant of `node`'s input `name` (seen through groups); a linked input is written as its
    own value, with a note."""
    source = upstream(node.inputs[name], groups)
    if source.node is not None:
        notes.append(f"a linked {name} written as its own value")
        return node.inputs[name].default_value
    return source.socket.default_value


def _from_nodes(world):
    output = active_output(world.node_tree, "OUTPUT_WORLD")
    if output is None:
        return None
    top = upstream(output.inputs["Surface"])
    if top.node is None:  # nothing linked, or only muted nodes: Blender shows black
        return None
    shaders = _find((top.node, top.groups), _SHADERS)
    if not shaders:
        return Environment(tuple(world.color), 1.0,
                           notes=[f"its {top.node.name!r} node has no Background; written as the viewport colour"])
    notes = []
    colors = [upstream(shader.inputs["Color"], groups) for shader, groups in shaders]
    textured = [i for i, c in enumerate(colors) if _find((c.node, c.groups), {"TEX_ENVIRONMENT"})]
    chosen = (textured or [0])[0]
    (shader, groups), source = shaders[chosen], colors[chosen]
    if top.node.type in _MIXES:
        notes.append(f"a mix of shaders written as its {shader.name!r} node alone")
    strength = float(_value(shader, "Strength", groups, notes))
    if source.node is None:
        return Environment(tuple(source.socket.default_value[:3]), strength, notes=notes)
    env = Environment(tuple(world.color), strength, notes=notes)
    textures = [(t, g) for t, g in _find((source.node, source.groups), {"TEX_ENVIRONMENT"}) if t.image is not None]
    if not textures:
        notes.append(f"its colour from a {source.node.name!r} node written as the viewport colour")
        return env
    texture, texture_groups = textures[0]
    if texture is not source.node:
        notes.append(f"nodes between {texture.name!r} and the background are not exported")
    env.color, env.image, env.projection = (1.0, 1.0, 1.0), texture.image, texture.projection
    env.rotation = _mapping_rotation(texture, texture_groups, notes)
    return env


def _mapping_rotation(texture, groups, notes):
    """The rotation a Mapping node applies to the environment's lookup direction."""
    from mathutils import Euler

    mapping = upstream(texture.inputs["Vector"], groups)
    if mapping.node is None or mapping.node.type != "MAPPING":
        if mapping.node is not None:
            notes.append(f"the {mapping.node.name!r} node on the environment's vector is not exported")
        return NOT_TURNED
    euler = _value(mapping.node, "Rotation", mapping.groups, notes)
    rotation = np.array(Euler(euler, "XYZ").to_matrix(), np.float64)
    # TEXTURE mapping is the inverse transform; a rotation's inverse is its transpose
    return rotation.T if mapping.node.vector_type == "TEXTURE" else rotation
