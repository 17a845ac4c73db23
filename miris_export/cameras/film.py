"""The film of a Blender camera as USD apertures, honouring sensor fit and the render's aspect ratio.

Blender fits its sensor (or, for orthographic cameras, its orthographic scale)
to one side of the rendered frame, chosen by the sensor fit, and derives the
other side from the render's aspect ratio; lens shift is a fraction of the
fitted side. USD has no sensor fit: it wants the film's actual width and
height. Perspective apertures are in millimetres, like the focal length (only
their ratio fixes the field of view); orthographic ones are in tenths of a
scene unit, as UsdGeomCamera defines them.
"""
from dataclasses import dataclass

ORTHO_APERTURE_UNIT = 10.0  # USD apertures of orthographic cameras per scene unit


@dataclass(frozen=True)
class Film:
    horizontal_aperture: float
    vertical_aperture: float
    horizontal_offset: float
    vertical_offset: float


def fitted_axis(sensor_fit, width, height):
    """'HORIZONTAL' or 'VERTICAL': the side the sensor spans (AUTO: the longer side)."""
    if sensor_fit == "AUTO":
        return "HORIZONTAL" if width >= height else "VERTICAL"
    return sensor_fit


def film(sensor_fit, sensor_width, sensor_height, width, height, shift_x=0.0, shift_y=0.0):
    """The apertures and offsets of a frame `width` x `height` (any unit: only the ratio counts;
    pixel aspect already applied). AUTO fit spans the sensor width over the longer side."""
    axis = fitted_axis(sensor_fit, width, height)
    sensor = sensor_height if sensor_fit == "VERTICAL" else sensor_width
    if axis == "HORIZONTAL":
        h, v = sensor, sensor * height / width
    else:
        h, v = sensor * width / height, sensor
    fitted = h if axis == "HORIZONTAL" else v
    return Film(float(h), float(v), float(shift_x * fitted), float(shift_y * fitted))


def render_frame(render):
    """The rendered frame's width and height, pixel aspect applied, from `scene.render`."""
    return (render.resolution_x * render.pixel_aspect_x, render.resolution_y * render.pixel_aspect_y)


def camera_film(camera, render):
    """The Film of a Blender camera data-block for the scene's render settings."""
    width, height = render_frame(render)
    if camera.type == "ORTHO":
        size = camera.ortho_scale * ORTHO_APERTURE_UNIT
        return film(camera.sensor_fit, size, size, width, height, camera.shift_x, camera.shift_y)
    return film(camera.sensor_fit, camera.sensor_width, camera.sensor_height, width, height,
                camera.shift_x, camera.shift_y)
