"""Render or viewport evaluation of the scene, with or without hidden objects.

Blender's Python API evaluates the scene only as the viewport shows it, so
for the export each viewport setting is set to what the export asks for and
put back afterwards: for render evaluation, modifier visibility, subdivision
levels, simplify limits, particle amounts, curve resolution and object,
instancer and collection visibility take their render values (and objects
hidden in the viewport only are shown, as a render ignores that); to include
hidden objects, nothing is hidden.

A frame change writes keyed values back into the scene (a keyed hide_viewport
into hide_viewport, a keyed "Show Instancer" or modifier switch into its
property), so the settings of objects whose mapped properties are animated are
set again after each frame change. An object hidden in the viewport is left out
of the depsgraph, and with it its animation: one whose visibility in the mode
is keyed or driven stays in, and the export asks `shown()` each frame instead,
so its children keep their place.
"""
from contextlib import contextmanager

# Object properties (and modifier properties, under the object's animation) the settings read or write.
_MAPPED = {"hide_render", "hide_viewport", "show_instancer_for_render", "show_instancer_for_viewport",
           "show_render", "show_viewport", "levels", "render_levels"}


def _object_settings(obj, render, include_hidden, keyed_visibility=()):
    """(owner, property, value) for the viewport settings of one object."""
    changes = []
    if include_hidden or obj.name_full in keyed_visibility:
        changes.append((obj, "hide_viewport", False))
    elif render:
        changes.append((obj, "hide_viewport", obj.hide_render))
    if render:
        changes.append((obj, "show_instancer_for_viewport", obj.show_instancer_for_render))
        for mod in obj.modifiers:
            changes.append((mod, "show_viewport", mod.show_render))
            if mod.type in {"SUBSURF", "MULTIRES"}:
                changes.append((mod, "levels", mod.render_levels))
    return changes


def _settings(scene, mode, include_hidden, keyed_visibility):
    """(owner, property, value) for every viewport setting the export needs."""
    import bpy

    changes = []
    objects = list(scene.objects)
    render = mode == "RENDER"
    for obj in objects:
        changes += _object_settings(obj, render, include_hidden, keyed_visibility)
    for collection in bpy.data.collections:
        if include_hidden:
            changes.append((collection, "hide_viewport", False))
        elif render:
            changes.append((collection, "hide_viewport", collection.hide_render))
    if render:
        simplify = scene.render
        changes += [(simplify, "simplify_subdivision", simplify.simplify_subdivision_render),
                    (simplify, "simplify_child_particles", simplify.simplify_child_particles_render)]
        for curve in {obj.data for obj in objects if obj.type in {"CURVE", "SURFACE", "FONT"}}:
            if curve.render_resolution_u:
                changes.append((curve, "resolution_u", curve.render_resolution_u))
            if getattr(curve, "render_resolution_v", 0):
                changes.append((curve, "resolution_v", curve.render_resolution_v))
        for meta in {obj.data for obj in objects if obj.type == "META"}:
            changes.append((meta, "resolution", meta.render_resolution))
        for particles in {p.settings for obj in objects for p in obj.particle_systems}:
            # A render shows every particle and its render amount of children.
            changes += [(particles, "display_percentage", 100),
                        (particles, "child_percent", particles.rendered_child_count)]
    return changes


def _hidden_by_the_eye(view_layer):
    """Names of the view layer's objects the viewport does not show because each collection
    holding them is hidden with the eye (its layer collection's hide_viewport, or one above).
    The depsgraph evaluates those, unlike objects hidden one by one."""
    shown = set()
    stack = [view_layer.layer_collection]
    while stack:
        layer = stack.pop()
        if not (layer.exclude or layer.hide_viewport):
            shown.add(layer.collection.as_pointer())
            stack.extend(layer.children)
    return frozenset(obj.name_full for obj in view_layer.objects
                     if not any(c.as_pointer() in shown for c in obj.users_collection))


def animated_paths(owner):
    """The data paths keyed (in its action or NLA strips) or driven on an ID. An action may hold
    the curves of several IDs (a slot each, Blender 4.4 and later): only the ID's slot counts."""
    anim = owner.animation_data
    if anim is None:
        return set()
    paths = {driver.data_path for driver in anim.drivers}
    actions = [(anim.action, getattr(anim, "action_slot", None))]
    actions += [(strip.action, getattr(strip, "action_slot", None))
                for track in anim.nla_tracks for strip in track.strips]
    for action, slot in actions:
        if action is None:
            continue
        layers = getattr(action, "layers", None)  # layered actions: Blender 4.4 and later
        if layers:
            fcurves = [fc for layer in layers for strip in layer.strips for bag in getattr(strip, "channelbags", ())
                       if slot is None or bag.slot == slot for fc in bag.fcurves]
        else:
            fcurves = getattr(action, "fcurves", ())
        paths.update(fc.data_path for fc in fcurves)
    return paths


class Evaluation:
    """The changed settings, put back by `restore()`; `frame_changed()` after each frame change."""

    def __init__(self, mode, include_hidden):
        self.mode, self.render, self.include_hidden = mode, mode == "RENDER", include_hidden
        self._old = {}  # (owner pointer, property) -> (owner, the scene's value), in order of change
        self._animated = []  # objects whose settings are set again at each frame change
        self._visibility = "hide_render" if self.render else "hide_viewport"
        self.keyed_visibility = frozenset()  # names of objects whose visibility in the mode is animated
        self._hidden = set()  # those of them hidden at this frame
        self.hidden_by_the_eye = frozenset()  # names of objects a viewport export leaves out
        self._off = []  # modifiers kept out of the evaluation whatever a frame change keys

    def apply(self, scene, view_layer):
        if not (self.render or self.include_hidden):
            self.hidden_by_the_eye = _hidden_by_the_eye(view_layer)
        animated = {obj: {path.rsplit(".", 1)[-1] for path in animated_paths(obj)} for obj in scene.objects}
        self._animated = [obj for obj, props in animated.items() if props & _MAPPED]
        if not self.include_hidden:
            self.keyed_visibility = frozenset(obj.name_full for obj, props in animated.items()
                                              if self._visibility in props)
        # The scene's values of what frame changes rewrite, whether this frame needs them changed or not.
        for obj in self._animated:
            for owner, prop, _ in _object_settings(obj, self.render, self.include_hidden, self.keyed_visibility):
                self._old.setdefault((owner.as_pointer(), prop), (owner, getattr(owner, prop)))
        self._read_keyed_visibility()
        self._set(_settings(scene, self.mode, self.include_hidden, self.keyed_visibility))

    def _read_keyed_visibility(self):
        self._hidden = {obj.name_full for obj in self._animated
                        if obj.name_full in self.keyed_visibility and getattr(obj, self._visibility)}

    def shown(self, name):
        """Whether the object of this name is shown at this frame, as far as its keyed visibility says."""
        return name not in self._hidden

    def _set(self, changes):
        for owner, prop, value in changes:
            old = getattr(owner, prop)
            if old == value:
                continue
            try:
                setattr(owner, prop, value)
            except (AttributeError, TypeError, RuntimeError):  # linked data is read-only
                continue
            self._old.setdefault((owner.as_pointer(), prop), (owner, old))

    def switch_off(self, modifiers):
        """Keeps these modifiers (the Armature modifiers of skinned meshes) out of the evaluation
        until restore()."""
        self._off = list(modifiers)
        self._set([(mod, "show_viewport", False) for mod in self._off])

    def frame_changed(self):
        """Sets again the settings of objects whose mapped properties the frame change keyed anew."""
        if not self._animated and not self._off:  # most scenes: nothing a frame change could undo
            return
        self._read_keyed_visibility()
        for obj in self._animated:
            self._set(_object_settings(obj, self.render, self.include_hidden, self.keyed_visibility))
        self._set([(mod, "show_viewport", False) for mod in self._off])

    def restore(self):
        for (_, prop), (owner, old) in reversed(list(self._old.items())):
            if getattr(owner, prop) != old:
                try:
                    setattr(owner, prop, old)
                except (AttributeError, TypeError, RuntimeError):  # linked data a frame change keyed
                    pass


@contextmanager
def evaluation(scene, view_layer, mode, include_hidden=False):
    """Within this context the evaluated depsgraph shows the scene as `mode` ("RENDER" or
    "VIEWPORT") does, hidden objects included when asked. Yields the Evaluation, whose
    `frame_changed()` is called after each frame change."""
    settings, unhidden = Evaluation(mode, include_hidden), []
    try:
        settings.apply(scene, view_layer)
        if mode == "RENDER" or include_hidden:
            unhidden = [obj for obj in view_layer.objects if obj.hide_get(view_layer=view_layer)]
            for obj in unhidden:
                obj.hide_set(False, view_layer=view_layer)
        yield settings
    finally:
        for obj in unhidden:
            obj.hide_set(True, view_layer=view_layer)
        settings.restore()
