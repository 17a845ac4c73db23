from .iterator import ExportContext, HierarchyIterator

__all__ = ["ExportContext", "HierarchyIterator"]
