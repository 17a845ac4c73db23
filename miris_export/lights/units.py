"""From Blender's light units to UsdLux's: the one conversion every light goes through.

UsdLux (as clarified in OpenUSD 24.x) defines `inputs:intensity` as the
luminance L of the light's surface in nits, where a light of intensity 1 seen
directly gives a pixel value of 1, and `inputs:normalize = true` divides that
luminance by the light's world-space surface area (for a DistantLight: by the
solid angle of its disk). Cycles renders the same way (radiance = pixel value),
and defines its lights by emitted power:

- a point or spot light of power P watts has a radiant intensity of P / (4 pi),
  so a sphere of radius r has L = P / (4 pi^2 r^2),
- an area light of power P has L = P / (pi A),
- a sun of strength S (W/m^2) gives an irradiance S on a surface facing it.

Writing every light with `normalize = true` then gives one formula, free of
the light's size (and so well defined for a point light of radius 0):

    intensity = P / pi   (point, spot, area)       intensity = S   (sun)
    exposure = Blender's light exposure (Blender 4.4+; 0 before)
    color = light colour x its blackbody colour when it uses a temperature

Blender's own USD exporter uses P / pi for point, spot and area lights as
well; for suns it writes S / 4, tuned by eye against one renderer, where we
keep S, the illuminance UsdLux's definition asks for.

A Blender light with Normalize off (Blender 5.x) emits L = P / pi from its
surface whatever its size, as if its power were P times its surface area
(4 pi r^2 for a sphere, 4 pi for a point, width x height for an area light),
so its power is first multiplied by that area. A sun is unaffected.
"""
import math

SUN, POINT, SPOT, AREA = "SUN", "POINT", "SPOT", "AREA"


def light_intensity(kind, energy, normalize, area):
    """USD `inputs:intensity` (with `inputs:normalize = true`) for a Blender light.

    `energy` is Blender's `Light.energy`: watts for point, spot and area lights,
    W/m^2 for a sun. `area` is the light's emitting area (`sphere_area`, `rect_area`;
    0 for a sun); it only matters when Normalize is off."""
    power = energy if normalize or area <= 0.0 else energy * area
    return float(power if kind == SUN else power / math.pi)


def sphere_area(radius):
    """The surface over which an un-normalized point or spot light spreads L = P / pi (see above);
    a point light of radius 0 counts as a unit sphere (4 pi)."""
    return 4.0 * math.pi * (radius * radius if radius > 0.0 else 1.0)


def rect_area(width, height):
    """The surface over which an un-normalized area light spreads L = P / pi: its RectLight's."""
    return width * height


def rect_of_equal_area(shape, size_x, size_y):
    """(width, height) of the RectLight standing in for a Blender area light.

    Squares and rectangles are kept; a disk or ellipse (diameters size_x, size_y)
    becomes the rectangle of the same area and aspect ratio, so normalized
    intensity and the power it stands for stay the same."""
    if shape == "SQUARE":
        return float(size_x), float(size_x)
    if shape == "RECTANGLE":
        return float(size_x), float(size_y)
    if shape == "DISK":
        size_y = size_x
    side = math.sqrt(math.pi) / 2.0  # pi d1 d2 / 4 == (k d1)(k d2)
    return float(size_x * side), float(size_y * side)


def spot_cone(spot_size, spot_blend):
    """(shaping:cone:angle in degrees, shaping:cone:softness) for a Blender spot.

    Blender's spot size is the full cone angle in radians, USD's cone angle the
    half angle in degrees; both blends are the fraction of the cone that fades."""
    return math.degrees(spot_size) / 2.0, min(max(float(spot_blend), 0.0), 1.0)


def sun_angle(angle):
    """USD DistantLight `inputs:angle` (degrees) from Blender's sun angle (radians); both are diameters."""
    return math.degrees(angle)
