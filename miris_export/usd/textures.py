"""Image files beside the exported file: `./Textures/NAME.ext`, relative, never outside the export folder."""


def write_texture(session, image):
    """Writes (or copies) a Blender image under the export folder's Textures/ and returns its
    relative asset path ("./Textures/NAME.ext"), or None when the image cannot be had
    (a missing file), with a report line. Each image is written once per export."""
    raise NotImplementedError
