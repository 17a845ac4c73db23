"""Blender UI: the export operator, its File > Export entry and the file handler."""
from . import menu, operator

_modules = (operator, menu)


def register():
    for module in _modules:
        module.register()


def unregister():
    for module in reversed(_modules):
        module.unregister()
