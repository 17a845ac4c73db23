"""Reading Blender data: scene state, evaluation, and numpy extraction of evaluated data."""
