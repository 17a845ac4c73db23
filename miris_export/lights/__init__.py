"""Blender lights and the World as UsdLux lights: the unit conversions (`units`) and reading the World (`world`)."""
