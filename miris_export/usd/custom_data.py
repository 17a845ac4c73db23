"""Custom properties of objects and their data as the prims' `customData`, which the Miris
specification accepts as metadata unrelated to content (attributes it does not list would not be).

Numbers, strings and booleans keep their type; arrays become typed arrays; groups become nested
dictionaries; a data-block a property points to is written as its name. Properties an add-on
registered through the Python API (`cycles`...) and Blender's own (`_RNA_UI`, names starting with
an underscore) are not the user's and are left out.
"""
from pxr import Sdf, Vt

KEY = "userProperties"  # customData:userProperties:<name>, as Blender's USD exporter names them


def custom_properties(idblock, registered_by_type=None):
    """The user's custom properties of `idblock` as a dictionary USD can hold, or {}.
    `registered_by_type`: {RNA type: the names of its registered properties}, filled as types are met,
    for callers that read many data-blocks (listing a type's properties costs more than reading them)."""
    if idblock is None or not hasattr(idblock, "keys"):
        return {}
    names = idblock.keys()
    if not names:  # most data-blocks: their RNA's property names need not be listed
        return {}
    rna = idblock.bl_rna
    registered = None if registered_by_type is None else registered_by_type.get(rna.identifier)
    if registered is None:
        registered = set(rna.properties.keys())
        if registered_by_type is not None:
            registered_by_type[rna.identifier] = registered
    out = {}
    for name in names:
        if name.startswith("_") or name in registered:
            continue
        value = _value(idblock[name])
        if value is not None:
            out[name] = value
    return out


def _value(value):
    if hasattr(value, "to_dict"):  # a group
        value = value.to_dict()
    elif hasattr(value, "to_list"):  # an array
        value = value.to_list()
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): v for k, v in ((k, _value(v)) for k, v in value.items()) if v is not None}
    if isinstance(value, (list, tuple)):
        return _array(list(value))
    name = getattr(value, "name", None)  # a data-block
    return name if isinstance(name, str) else None


def _array(items):
    if all(isinstance(v, bool) for v in items):
        return Vt.BoolArray(items)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        return Vt.IntArray(items) if all(-2**31 <= v < 2**31 for v in items) else Vt.Int64Array(items)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items):
        return Vt.DoubleArray(items)
    if all(isinstance(v, str) for v in items):
        return Vt.StringArray(items)
    # Nested arrays (a matrix) and lists of groups: a dictionary keyed by index.
    values = {str(i): _value(v) for i, v in enumerate(items)}
    return {k: v for k, v in values.items() if v is not None}


def _set(spec, props):
    if props:
        spec.customData[KEY] = props


class CustomPropertyWriter:
    """Writes the custom properties of each object on its Xform prim, and its data's on the data prim,
    at the first frame the object is exported (customData holds no time samples). A property USD
    cannot hold costs a report line."""

    def __init__(self, report):
        self.report = report
        self.done = set()  # keys of the objects whose custom properties are written
        self.created = 0  # hierarchy.created when they were last written
        self.registered = {}  # see custom_properties: registration does not change during an export

    def write(self, hierarchy):
        """Called each frame: writes those of the objects exported since the last call."""
        import bpy

        if hierarchy.created == self.created:
            return
        self.created = hierarchy.created
        new = [(key, writers) for key, writers in hierarchy.writers.items() if key not in self.done]
        if not new:
            return
        objects = {o.name_full: o for o in bpy.data.objects}
        layer = hierarchy.session.layer
        with Sdf.ChangeBlock():  # a stage open takes the changes in once
            for key, writers in new:
                self.done.add(key)
                obj = objects.get(key[1]) if key and key[0] == "OB" else None
                if obj is None:
                    continue
                for writer, idblock in ((writers.transform, obj), (writers.data, obj.data)):
                    spec = None if writer is None else layer.GetPrimAtPath(writer.path)
                    if spec is None:
                        continue
                    try:
                        _set(spec, custom_properties(idblock, self.registered))
                    except Exception as error:  # noqa: BLE001  (a value USD refuses costs the properties only)
                        self.report.warn(f"{idblock.name}: custom properties not exported "
                                         f"({type(error).__name__}: {error})")
