"""Which collection instances show an asset linked from a library (option linked_as_references).

Format-agnostic, like the iterator. An asset is a collection linked from a library .blend
and still the library's: not made local, not a library override (an override is local data
the scene may have changed, so it is exported inline like any other). Each Empty of the view
layer that instances such a collection is an instancer whose instances are written in the
asset's own file, once, and referenced from the scene.
"""
import os
from dataclasses import dataclass

from .iterator import object_key


@dataclass(frozen=True)
class LinkedAsset:
    collection: str  # the collection's name_full (its name and library)
    name: str  # the collection's own name
    library: str  # absolute path of the library .blend it is linked from
    offset: tuple  # the collection's instance offset, Blender world units

    @property
    def library_stem(self):
        return os.path.splitext(os.path.basename(self.library))[0]


def is_linked_asset(collection):
    """Whether the collection is the library's as it was linked (not local, not overridden, and found:
    a library that is missing leaves an empty placeholder)."""
    return (collection is not None and collection.library is not None and collection.override_library is None
            and not collection.is_missing)


def library_path(library):
    """The library's file, absolute (relative paths are relative to the file that links it)."""
    import bpy

    return os.path.normpath(bpy.path.abspath(library.filepath, library=library.parent))


def linked_instancers(depsgraph, wanted):
    """{object key: LinkedAsset} of the evaluated objects the export takes (`wanted`, an ObjectFilter)
    that instance a linked asset."""
    found = {}
    for evaluated in depsgraph.objects:
        obj = evaluated.original
        collection = obj.instance_collection if obj.instance_type == "COLLECTION" else None
        if is_linked_asset(collection) and wanted(object_key(obj), obj):
            found[object_key(obj)] = LinkedAsset(collection.name_full, collection.name,
                                                 library_path(collection.library),
                                                 tuple(collection.instance_offset))
    return found
