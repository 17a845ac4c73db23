"""Blender UI: the export operator, its presets, the report popup, the validate operator, their
File > Export entries and the file handler."""
from . import menu, operator, presets, report_view, validate_operator

_modules = (report_view, operator, presets, validate_operator, menu)


def register():
    for module in _modules:
        module.register()


def unregister():
    for module in reversed(_modules):
        module.unregister()
