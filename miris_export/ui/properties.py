"""Operator properties made from the options' declarations, so each option is declared once."""
import bpy

from ..options import ExportOptions, option_fields


def _property(name, default, meta):
    common = {"name": meta["label"], "description": meta["description"], "default": default}
    if meta["choices"]:
        items = [(c, c.title(), "") for c in meta["choices"]]
        return bpy.props.EnumProperty(items=items, **common)
    if isinstance(default, bool):
        return bpy.props.BoolProperty(**common)
    if isinstance(default, str):
        return bpy.props.StringProperty(**common)
    if isinstance(default, int):
        return bpy.props.IntProperty(min=1, soft_max=8192, **common)
    raise TypeError(f"option {name} has no property type")


def operator_options():
    """(name, property) for every option an operator shows; those without a default (the
    frame range, which defaults to the scene's) are for the API and command line only."""
    return [(name, _property(name, default, meta)) for name, default, meta in option_fields() if default is not None]


def groups():
    """Option names by panel group, in declaration order."""
    out = {}
    for name, default, meta in option_fields():
        if default is not None:
            out.setdefault(meta["group"], []).append(name)
    return out


def options_from(operator):
    return ExportOptions(**{name: getattr(operator, name) for name, _ in operator_options()})
