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
        name="Remember Export Settings", default=False, options={"SKIP_SAVE", "SKIP_PRESET"},
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
        if bpy.app.background or context.window is None:  # scripts: at once, and the result returned
            try:
                report = exporter.export(path, options_from(self), context=context)
            except (exporter.ExportError, ValueError, OSError) as error:
                self.report({"ERROR"}, str(error))
                return {"CANCELLED"}
            self._show(context, report)
            return {"FINISHED"}
        # The dialog: frame by frame from a timer, with Blender's progress display, Esc to stop.
        self._steps = exporter.export_steps(path, options_from(self), context=context)
        self._timer = wm.event_timer_add(0.0, window=context.window)
        wm.progress_begin(0, 1)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context, event):
        wm = context.window_manager
        try:
            if event.type == "ESC":
                exporter.cancel_steps(self._steps)
            elif event.type == "TIMER":
                wm.progress_update(next(self._steps))
        except StopIteration as done:
            self._end(context)
            self._show(context, done.value)
            return {"FINISHED"}
        except (exporter.ExportError, ValueError, OSError) as error:
            self._end(context)
            self.report({"WARNING"} if isinstance(error, exporter.Cancelled) else {"ERROR"}, str(error))
            return {"CANCELLED"}
        except Exception:
            self._end(context)
            raise
        return {"RUNNING_MODAL"}  # other events wait: the scene must not change while it is written

    def _end(self, context):
        wm = context.window_manager
        wm.event_timer_remove(self._timer)
        wm.progress_end()

    def _show(self, context, report):
        """The report where the artist is: each line in the info log, all of them grouped in a
        popup, the summary in the status bar."""
        for line in report.warnings:
            self.report({"WARNING"}, line)
        for finding in report.findings:
            self.report({"WARNING"}, str(finding))
        report_view.store(context.window_manager, report.summary(), report.warnings, report.findings)
        report_view.show(context)
        self.report({"INFO"}, report.summary())  # last: the status bar shows it


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
