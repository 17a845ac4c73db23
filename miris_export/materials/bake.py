"""Baking, with Cycles on the CPU, the texture channels whose source UsdPreviewSurface cannot express
(procedural textures, colour ramps, mixes of textures, colour attributes...): opt-in, `bake_textures`.

Each mesh object with one material is baked on its active UV map, once per channel, at
`bake_resolution`: base colour, roughness, metallic and emission by feeding the channel's source
into an Emission shader (an exact copy of its values), the normal as Cycles' tangent-space normal
pass. The bake works on a copy of the material assigned for the time of the bake; the user's scene
(render settings, selection, active object, material slots) is restored exactly and every data-block
made for it is removed when the export ends. The baked images live only during the export.
"""
import contextlib

from .surface import read_surface

# USD input -> (image is colour data, bake pass); base and emission colours are sRGB images.
_CHANNELS = {"diffuseColor": (True, "EMIT"), "emissiveColor": (True, "EMIT"), "roughness": (False, "EMIT"),
             "metallic": (False, "EMIT"), "normal": (False, "NORMAL")}
_PREFIX = ".miris_bake"


@contextlib.contextmanager
def baked_textures(context, options, report):
    """Bakes what needs baking; yields {(object name, material name): {USD input: bpy Image}}."""
    import bpy

    if not (options.bake_textures and options.materials):
        yield {}
        return
    from ..hierarchy.iterator import ObjectFilter

    wanted = ObjectFilter(options, context.view_layer)
    jobs = []
    for obj in context.view_layer.objects:
        if obj.type != "MESH" or not wanted(obj.name_full, obj) or (options.visible_only and not obj.visible_get()):
            continue
        jobs += _jobs(obj, report, options.udim)
    images_before = set(bpy.data.images)
    baked = {}
    try:
        if jobs:
            with _bake_state(context):
                wm = context.window_manager
                wm.progress_begin(0, len(jobs))
                try:
                    for done, (obj, material, channel, source) in enumerate(jobs):
                        report.info(f"{obj.name}: baking {channel} of material {material.name!r} "
                                    f"({done + 1}/{len(jobs)})")
                        image = _bake(context, obj, material, channel, source, options.bake_resolution, report)
                        if image is not None:
                            baked.setdefault((obj.name_full, material.name_full), {})[channel] = image
                        wm.progress_update(done + 1)
                finally:
                    wm.progress_end()
        yield baked
    finally:
        for image in set(bpy.data.images) - images_before:
            bpy.data.images.remove(image)


def _jobs(obj, report, udim):
    """(object, material, USD input, (node, input, factor)) for each channel to bake on `obj`."""
    materials = {slot.material for slot in obj.material_slots if slot.material is not None}
    needs = []
    for material in materials:
        surface = read_surface(material, _Quiet(), udim)
        for channel, source in sorted(surface.bakeable.items()):
            needs.append((obj, material, channel, source))
    if not needs:
        return []
    if len(materials) > 1:
        report.warn(f"{obj.name}: has several materials; its procedural channels are not baked (one material "
                    "a mesh is baked) and keep their constants")
        return []
    if not obj.data.uv_layers:
        report.warn(f"{obj.name}: has no UV map to bake {', '.join(n[2] for n in needs)} onto; the constants "
                    "are used")
        return []
    return needs


class _Quiet:
    """A report that keeps nothing: the material is read again, with its report lines, when written."""

    def warn(self, message):
        pass

    info = warn


@contextlib.contextmanager
def _bake_state(context):
    """Cycles on the CPU with one sample for the time of the bakes; everything restored after."""
    scene, view_layer = context.scene, context.view_layer
    cycles = getattr(scene, "cycles", None)
    bake = scene.render.bake
    saved = {
        "engine": scene.render.engine,
        "cycles": {k: getattr(cycles, k) for k in ("device", "samples")} if cycles else {},
        "bake": {k: getattr(bake, k) for k in ("margin", "use_clear", "target", "use_selected_to_active",
                                                "normal_space")},
        "active": view_layer.objects.active,
        "selected": [o for o in view_layer.objects if o.select_get()],
    }
    try:
        scene.render.engine = "CYCLES"
        cycles = scene.cycles
        saved["cycles"] = saved["cycles"] or {k: getattr(cycles, k) for k in ("device", "samples")}
        cycles.device, cycles.samples = "CPU", 1
        bake.margin, bake.use_clear, bake.target = 4, True, "IMAGE_TEXTURES"
        bake.use_selected_to_active, bake.normal_space = False, "TANGENT"
        yield
    finally:
        for key, value in saved["bake"].items():
            setattr(bake, key, value)
        for key, value in saved["cycles"].items():
            setattr(scene.cycles, key, value)
        scene.render.engine = saved["engine"]
        for obj in view_layer.objects:
            obj.select_set(obj in saved["selected"])
        view_layer.objects.active = saved["active"]


def _bake(context, obj, material, channel, source, resolution, report):
    """One channel of `material` on `obj` baked into a new image, or None with a report line."""
    import bpy

    colour, pass_type = _CHANNELS[channel]
    image = bpy.data.images.new(f"{_PREFIX}_{obj.name}_{material.name}_{channel}", resolution, resolution,
                                alpha=False)
    image.colorspace_settings.name = "sRGB" if colour else "Non-Color"
    copy = material.copy()
    slots = [slot for slot in obj.material_slots if slot.material == material]
    try:
        tree = copy.node_tree
        node = tree.nodes.new("ShaderNodeTexImage")
        node.image = image
        tree.nodes.active = node
        if pass_type == "EMIT":
            _emit(tree, source)
        for slot in slots:
            slot.material = copy
        for other in context.view_layer.objects:
            other.select_set(other == obj)
        context.view_layer.objects.active = obj
        bpy.ops.object.bake(type=pass_type, use_clear=True, margin=4)
    except (RuntimeError, ValueError) as error:
        report.warn(f"{obj.name}: {channel} of material {material.name!r} could not be baked ({error}); its "
                    "constant is used")
        bpy.data.images.remove(image)
        return None
    finally:
        for slot in slots:
            slot.material = material
        bpy.data.materials.remove(copy)
    return image


def _emit(tree, source):
    """Feeds what the shader's input receives into an Emission shader at the material output."""
    from .nodes import active_output

    node_name, input_name, _ = source
    socket = tree.nodes[node_name].inputs[input_name]
    link = next(lk for lk in socket.links if lk.is_valid and not lk.is_muted)
    emission = tree.nodes.new("ShaderNodeEmission")
    emission.inputs["Strength"].default_value = 1.0
    tree.links.new(link.from_socket, emission.inputs["Color"])
    tree.links.new(emission.outputs[0], active_output(tree).inputs["Surface"])
