"""File > Export > Miris USD: the operator, its grouped options, progress and report."""
import os

import bpy
from bpy_extras.io_utils import ExportHelper

from .. import exporter
from ..options import FORMATS
from . import presets, report_view
from .properties import groups, operator_options, options_from


class EXPORT_SCENE_OT_miris_usd(bpy.types.Operator, ExportHelper):
    """Export the scene as USD that the Miris streaming renderer accepts as it is"""

    bl_idname = "export_scene.miris_usd"
    bl_label = "Export Miris USD"
    bl_options = {"PRESET"}

    filename_ext = ".usdc"
    check_extension = None  # .usdc, .usda and .usdz are all accepted as typed
    filter_glob: bpy.props.StringProperty(default="*.usdc;*.usda;*.usdz", options={"HIDDEN"})
    will_save_settings: bpy.props.BoolProperty(
        name="Remember Export Settings", default=False, options={"SKIP_SAVE"},
        description="Keep these settings in the .blend for the next export from it")

    def invoke(self, context, event):
        presets.restore(context.scene, self)
        return ExportHelper.invoke(self, context, event)

    def draw(self, context):
        layout = self.layout
        layout.use_property_split = True
        layout.prop(self, "will_save_settings")
        for group, names in groups().items():
            header, body = layout.panel(f"MIRIS_USD_{group}", default_closed=group == "Checks")
            header.label(text=group)
            if body:
                for name in names:
                    body.prop(self, name)

    def execute(self, context):
        path = self.filepath
        if os.path.splitext(path)[1].lower() not in FORMATS:
            path += self.filename_ext
        presets.remember(context.scene, self)
        wm = context.window_manager
        wm.progress_begin(0, 1)
        try:
            report = exporter.export(path, options_from(self), context=context,
                                     progress=lambda fraction: wm.progress_update(fraction))
        except (exporter.ExportError, ValueError, OSError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        finally:
            wm.progress_end()
        for line in report.warnings:
            self.report({"WARNING"}, line)
        for finding in report.findings:
            self.report({"WARNING"}, str(finding))
        report_view.store(wm, report.summary(), report.warnings, report.findings)
        report_view.show(context)
        self.report({"INFO"}, report.summary())  # last: the status bar shows it
        return {"FINISHED"}


for _name, _prop in operator_options():
    EXPORT_SCENE_OT_miris_usd.__annotations__[_name] = _prop


class MIRIS_FH_usd(bpy.types.FileHandler):
    """Lets collection exporters and drag-and-drop targets use the operator."""

    bl_idname = "MIRIS_FH_usd"
    bl_label = "Miris USD"
    bl_export_operator = EXPORT_SCENE_OT_miris_usd.bl_idname
    bl_file_extensions = ";".join(FORMATS)

    @classmethod
    def poll_drop(cls, context):
        return False


_classes = (EXPORT_SCENE_OT_miris_usd, MIRIS_FH_usd)


def register():
    for cls in _classes:
        bpy.utils.register_class(cls)


def unregister():
    for cls in reversed(_classes):
        bpy.utils.unregister_class(cls)
