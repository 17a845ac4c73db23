"""The report where the artist is: an export's warnings and the validator's findings, kept on the
window manager (for scripts and tests too) and shown grouped in a popup, each finding under its
section of the Miris USD Specification."""
import bpy

from ..validate import ERROR


class MIRIS_PG_report_line(bpy.types.PropertyGroup):
    kind: bpy.props.StringProperty()  # "warning" (the export's), or a finding's severity
    text: bpy.props.StringProperty()
    section: bpy.props.StringProperty()  # the specification's section, for findings
    rule: bpy.props.StringProperty()
    path: bpy.props.StringProperty()


def store(wm, title, warnings=(), findings=()):
    """Replaces the lines kept on the window manager with the export's warnings and the findings."""
    wm.miris_usd_report_title = title
    lines = wm.miris_usd_report
    lines.clear()
    for text in warnings:
        line = lines.add()
        line.kind, line.text = "warning", text
    for finding in findings:
        line = lines.add()
        line.kind, line.text, line.section = finding.severity, f"{finding.path}: {finding.message}", finding.section
        line.rule, line.path = finding.rule, finding.path


def groups(lines):
    """(heading, lines) in the order shown: the export's warnings, then findings by section,
    errors first within each."""
    out = {}
    for line in lines:
        heading = "Export warnings" if line.kind == "warning" else f"Specification: {line.section}"
        out.setdefault(heading, []).append(line)
    for heading in out:
        out[heading].sort(key=lambda line: line.kind != ERROR)
    return list(out.items())


def _draw(menu, context):
    layout = menu.layout
    wm = context.window_manager
    if not wm.miris_usd_report:
        layout.label(text="No warnings, no findings", icon="CHECKMARK")
    for heading, lines in groups(wm.miris_usd_report):
        layout.label(text=heading)
        col = layout.column(align=True)
        for line in lines:
            col.label(text=f"    {line.text}" + (f" [{line.rule}]" if line.rule else ""),
                      icon="ERROR" if line.kind == ERROR else "INFO")


def show(context):
    """The popup of the lines kept; nothing in the background, where there is no window."""
    wm = context.window_manager
    if bpy.app.background or not wm.windows:
        return
    errors = any(line.kind == ERROR for line in wm.miris_usd_report)
    wm.popup_menu(_draw, title=wm.miris_usd_report_title, icon="ERROR" if errors else "INFO")


def register():
    bpy.utils.register_class(MIRIS_PG_report_line)
    bpy.types.WindowManager.miris_usd_report = bpy.props.CollectionProperty(type=MIRIS_PG_report_line)
    bpy.types.WindowManager.miris_usd_report_title = bpy.props.StringProperty()


def unregister():
    for wm in bpy.data.window_managers:  # their lines would outlive the type
        wm.miris_usd_report.clear()
        wm.property_unset("miris_usd_report_title")
    del bpy.types.WindowManager.miris_usd_report_title
    del bpy.types.WindowManager.miris_usd_report
    bpy.utils.unregister_class(MIRIS_PG_report_line)
