"""File > Export > Validate Miris USD: checks a USD file the user picks, from anywhere, and shows
the validator's findings as an export's are shown."""
import os

import bpy
from bpy_extras.io_utils import ImportHelper

from . import report_view


class WM_OT_miris_usd_validate(bpy.types.Operator, ImportHelper):
    """Check a USD file against the Miris USD Specification and show what keeps Miris from accepting it"""

    bl_idname = "wm.miris_usd_validate"
    bl_label = "Validate Miris USD"

    filter_glob: bpy.props.StringProperty(default="*.usd;*.usda;*.usdc;*.usdz", options={"HIDDEN"})

    def execute(self, context):
        from ..validate import validate_file

        name = os.path.basename(self.filepath)
        findings = validate_file(self.filepath)
        errors = sum(f.severity == "error" for f in findings)
        verdict = "not compliant" if errors else "compliant"
        summary = f"{name}: {verdict}, {errors} error(s), {len(findings) - errors} warning(s)"
        report_view.store(context.window_manager, summary, findings=findings)
        report_view.show(context)
        self.report({"INFO"}, summary)
        return {"FINISHED"}


def register():
    bpy.utils.register_class(WM_OT_miris_usd_validate)


def unregister():
    bpy.utils.unregister_class(WM_OT_miris_usd_validate)
