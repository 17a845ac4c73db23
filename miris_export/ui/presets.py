"""Presets of the export dialog and settings remembered in the .blend.

Presets are Blender's operator presets of `export_scene.miris_usd` (the dialog's preset menu, from
the operator's PRESET flag), in the folder `presets/operator/export_scene.miris_usd`. The add
operator here writes the same files from the last-used settings too, so scripts and background
sessions can make them; a preset file applies to the dialog, or else to the last-used settings.

Remembered settings (off by default, as in the glTF exporter) are the options of the last export
from the dialog, kept as a custom property of the scene and so saved with the .blend.
"""
import bpy
from bl_operators.presets import AddPresetBase

from .properties import operator_options

OPERATOR = "export_scene.miris_usd"
PRESET_SUBDIR = "operator/" + OPERATOR
SETTINGS_KEY = "miris_usd_export_settings"
# The dialog's operator; outside the file browser, the operator's last-used settings.
_OPERATOR_DEFINE = f"op = bpy.context.active_operator or bpy.context.window_manager.operator_properties_last({OPERATOR!r})"


class EXPORT_SCENE_MT_miris_usd_presets(bpy.types.Menu):
    bl_label = "Miris USD Presets"
    preset_subdir = PRESET_SUBDIR
    preset_operator = "script.execute_preset"
    draw = bpy.types.Menu.draw_preset


class EXPORT_SCENE_OT_miris_usd_preset_add(AddPresetBase, bpy.types.Operator):
    """Add or remove a preset of the Miris USD export settings"""

    bl_idname = "export_scene.miris_usd_preset_add"
    bl_label = "Add Miris USD Preset"
    preset_menu = EXPORT_SCENE_MT_miris_usd_presets.__name__
    preset_subdir = PRESET_SUBDIR
    preset_defines = [_OPERATOR_DEFINE]
    preset_values = [f"op.{name}" for name, _ in operator_options()]


def remember(scene, operator):
    """Keeps the operator's options in the scene when it asks to, and forgets them when it does not."""
    if operator.will_save_settings:
        scene[SETTINGS_KEY] = {name: getattr(operator, name) for name, _ in operator_options()}
    elif SETTINGS_KEY in scene:
        del scene[SETTINGS_KEY]


def remembered(scene):
    """The options remembered in the scene (names that are no longer options are dropped), or {}."""
    stored = scene.get(SETTINGS_KEY)
    if stored is None:
        return {}
    names = {name for name, _ in operator_options()}
    return {k: v for k, v in stored.to_dict().items() if k in names}


def restore(scene, operator):
    """Sets the operator's options to those remembered in the scene, if any."""
    settings = remembered(scene)
    for name, value in settings.items():
        try:
            setattr(operator, name, value)
        except (TypeError, ValueError):  # an option whose kind changed since: its default stays
            pass
    if settings:
        operator.will_save_settings = True


register, unregister = bpy.utils.register_classes_factory(
    (EXPORT_SCENE_MT_miris_usd_presets, EXPORT_SCENE_OT_miris_usd_preset_add))
