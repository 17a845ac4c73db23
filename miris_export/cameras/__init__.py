"""Blender cameras as UsdGeom cameras: the film and lens math (`film`)."""
