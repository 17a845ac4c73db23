"""What a Blender World shows around the scene, read into a plain `Environment`.

The World's active output is followed to its Background (or Emission) shader:
its Color is an environment texture (an image, optionally turned by a Mapping
node) or a constant colour, times its Strength. Anything else (a sky texture,
a mix of shaders, a linked strength) is approximated and the `notes` say how.
"""
from dataclasses import dataclass, field
from typing import Any

import numpy as np

_SHADERS = {"BACKGROUND", "EMISSION"}
_MIXES = {"MIX_SHADER", "ADD_SHADER"}


@dataclass
class Environment:
    color: tuple  # linear RGB, multiplied by the image when there is one
    strength: float
    image: Any = None  # bpy.types.Image of an environment texture; valid during the frame only
    projection: str = "EQUIRECTANGULAR"  # or MIRROR_BALL
    rotation: Any = field(default_factory=lambda: np.eye(3))  # Blender world: the lookup direction's rotation
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


def _upstream(socket):
    """The node feeding a socket, through reroutes; None when it is not linked."""
    while socket.is_linked:
        link = socket.links[0]
        if not link.is_valid or link.is_muted:
            return None
        node = link.from_node
        if node.type != "REROUTE":
            return node
        socket = node.inputs[0]
    return None


def _find(node, types):
    """Nodes of `types` at or above `node`, breadth first."""
    found, queue, seen = [], [node], set()
    while queue:
        current = queue.pop(0)
        if current is None or current.name in seen:
            continue
        seen.add(current.name)
        if current.type in types:
            found.append(current)
        queue.extend(_upstream(s) for s in current.inputs)
    return found


def _active_output(tree):
    outputs = [n for n in tree.nodes if n.type == "OUTPUT_WORLD"]
    for node in outputs:
        if node.is_active_output:
            return node
    return outputs[0] if outputs else None


def _from_nodes(world):
    output = _active_output(world.node_tree)
    if output is None:
        return None
    top = _upstream(output.inputs["Surface"])
    if top is None:
        return None
    shaders = _find(top, _SHADERS)
    if not shaders:
        return Environment(tuple(world.color), 1.0,
                           notes=[f"its {top.name!r} node has no Background; written as the viewport colour"])
    notes = []
    textured = [s for s in shaders if _find(_upstream(s.inputs["Color"]), {"TEX_ENVIRONMENT"})]
    shader = (textured or shaders)[0]
    if top.type in _MIXES:
        notes.append(f"a mix of shaders written as its {shader.name!r} node alone")
    strength_socket = shader.inputs["Strength"]
    if strength_socket.is_linked:
        notes.append("a linked Strength written as its own value")
    env = Environment(tuple(shader.inputs["Color"].default_value[:3]), float(strength_socket.default_value),
                      notes=notes)
    source = _upstream(shader.inputs["Color"])
    if source is None:
        return env
    textures = [t for t in _find(source, {"TEX_ENVIRONMENT"}) if t.image is not None]
    if not textures:
        env.color = tuple(world.color)
        notes.append(f"its colour from a {source.name!r} node written as the viewport colour")
        return env
    texture = textures[0]
    if texture is not source:
        notes.append(f"nodes between {texture.name!r} and the background are not exported")
    env.color, env.image, env.projection = (1.0, 1.0, 1.0), texture.image, texture.projection
    env.rotation = _mapping_rotation(texture, notes)
    return env


def _mapping_rotation(texture, notes):
    """The rotation a Mapping node applies to the environment's lookup direction."""
    from mathutils import Euler

    mapping = _upstream(texture.inputs["Vector"])
    if mapping is None or mapping.type != "MAPPING":
        if mapping is not None:
            notes.append(f"the {mapping.name!r} node on the environment's vector is not exported")
        return np.eye(3)
    rotation_socket = mapping.inputs["Rotation"]
    if rotation_socket.is_linked:
        notes.append("a linked Mapping rotation written as its own value")
    rotation = np.array(Euler(rotation_socket.default_value, "XYZ").to_matrix(), np.float64)
    # TEXTURE mapping is the inverse transform; a rotation's inverse is its transpose
    return rotation.T if mapping.vector_type == "TEXTURE" else rotation
