"""Cameras read back from the written file: field of view as Blender renders it, ortho scale, shift,
clipping, depth of field, animation, and the default camera."""
import math

import numpy as np
import pytest
from pxr import Gf, UsdGeom

FOV_TOLERANCE = 1e-4


def add_camera(name="Cam", **props):
    import bpy

    data = bpy.data.cameras.new(name)
    for key, value in props.items():
        setattr(data, key, value)
    obj = bpy.data.objects.new(name, data)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def blender_fov(obj, scene):
    """Blender's rendered horizontal and vertical field of view, from its own projection matrix."""
    import bpy

    depsgraph = bpy.context.evaluated_depsgraph_get()
    render = scene.render
    projection = np.array(obj.calc_matrix_camera(depsgraph, x=render.resolution_x, y=render.resolution_y,
                                                 scale_x=render.pixel_aspect_x, scale_y=render.pixel_aspect_y))
    return 2 * math.atan(1 / projection[0, 0]), 2 * math.atan(1 / projection[1, 1])


def usd_fov(stage, path):
    camera = UsdGeom.Camera(stage.GetPrimAtPath(path)).GetCamera(0)
    return (math.radians(camera.GetFieldOfView(Gf.Camera.FOVHorizontal)),
            math.radians(camera.GetFieldOfView(Gf.Camera.FOVVertical)))


@pytest.mark.parametrize("resolution", [(1920, 1080), (800, 1200)])
@pytest.mark.parametrize("fit", ["HORIZONTAL", "VERTICAL", "AUTO"])
def test_field_of_view_matches_blender(scene, export, fit, resolution):
    scene.render.resolution_x, scene.render.resolution_y = resolution
    obj = add_camera(lens=35.0, sensor_width=36.0, sensor_height=20.0, sensor_fit=fit)
    _, stage = export(animation=False)
    horizontal, vertical = usd_fov(stage, "/Root/Cam/Cam")
    assert (horizontal, vertical) == pytest.approx(blender_fov(obj, scene), abs=FOV_TOLERANCE)
    data = obj.data
    # The fitted side spans Blender's own angle: angle_x (sensor width) or angle_y (sensor height).
    landscape = resolution[0] >= resolution[1]
    if fit == "HORIZONTAL" or (fit == "AUTO" and landscape):
        assert horizontal == pytest.approx(data.angle_x, abs=FOV_TOLERANCE)
    elif fit == "VERTICAL":
        assert vertical == pytest.approx(data.angle_y, abs=FOV_TOLERANCE)
    else:  # AUTO, portrait: the sensor width spans the longer, vertical side
        assert vertical == pytest.approx(data.angle_x, abs=FOV_TOLERANCE)
    assert horizontal / vertical == pytest.approx(
        math.atan(resolution[0] / resolution[1] * math.tan(vertical / 2)) * 2 / vertical, rel=1e-5)


def test_pixel_aspect_counts(scene, export):
    scene.render.resolution_x, scene.render.resolution_y = 1000, 1000
    scene.render.pixel_aspect_x = 2.0
    obj = add_camera(lens=50.0)
    _, stage = export(animation=False)
    assert usd_fov(stage, "/Root/Cam/Cam") == pytest.approx(blender_fov(obj, scene), abs=FOV_TOLERANCE)


def test_perspective_values_in_millimetres(scene, export):
    scene.render.resolution_x, scene.render.resolution_y = 1920, 1080
    add_camera(lens=35.0, sensor_width=36.0, clip_start=0.5, clip_end=250.0)
    _, stage = export(animation=False)
    cam = UsdGeom.Camera(stage.GetPrimAtPath("/Root/Cam/Cam"))
    assert cam.GetProjectionAttr().Get() == UsdGeom.Tokens.perspective
    assert cam.GetFocalLengthAttr().Get() == pytest.approx(35.0)
    assert cam.GetHorizontalApertureAttr().Get() == pytest.approx(36.0)
    assert cam.GetVerticalApertureAttr().Get() == pytest.approx(36.0 * 1080 / 1920, rel=1e-6)
    assert cam.GetClippingRangeAttr().Get() == Gf.Vec2f(0.5, 250.0)
    assert cam.GetFStopAttr().Get() == 0.0  # no depth of field


@pytest.mark.parametrize("resolution", [(1920, 1080), (600, 900)])
def test_orthographic_scale_round_trips(scene, export, resolution):
    scene.render.resolution_x, scene.render.resolution_y = resolution
    add_camera(type="ORTHO", ortho_scale=7.5)
    _, stage = export(animation=False)
    cam = UsdGeom.Camera(stage.GetPrimAtPath("/Root/Cam/Cam"))
    assert cam.GetProjectionAttr().Get() == UsdGeom.Tokens.orthographic
    # USD orthographic apertures are tenths of a scene unit; Blender's scale spans the longer side.
    window = cam.GetCamera(0).frustum.GetWindow()
    width, height = window.GetSize()
    assert max(width, height) == pytest.approx(7.5, rel=1e-6)
    assert width / height == pytest.approx(resolution[0] / resolution[1], rel=1e-6)
    assert max(cam.GetHorizontalApertureAttr().Get(), cam.GetVerticalApertureAttr().Get()) / 10 == \
        pytest.approx(7.5, rel=1e-6)


def test_lens_shift_as_aperture_offsets(scene, export):
    scene.render.resolution_x, scene.render.resolution_y = 1000, 500
    obj = add_camera(lens=40.0, sensor_width=36.0, shift_x=0.1, shift_y=-0.2)
    _, stage = export(animation=False)
    cam = UsdGeom.Camera(stage.GetPrimAtPath("/Root/Cam/Cam"))
    assert cam.GetHorizontalApertureOffsetAttr().Get() == pytest.approx(3.6, rel=1e-6)
    assert cam.GetVerticalApertureOffsetAttr().Get() == pytest.approx(-7.2, rel=1e-6)
    # Same off-centre frame as Blender's: compare the projection's centre offsets.
    import bpy

    depsgraph = bpy.context.evaluated_depsgraph_get()
    theirs = np.array(obj.calc_matrix_camera(depsgraph, x=1000, y=500))
    ours = np.array(cam.GetCamera(0).frustum.ComputeProjectionMatrix()).T
    assert ours[0, 2] == pytest.approx(theirs[0, 2], abs=1e-5)
    assert ours[1, 2] == pytest.approx(theirs[1, 2], abs=1e-5)


def test_depth_of_field(scene, export):
    import bpy

    obj = add_camera()
    obj.data.dof.use_dof = True
    obj.data.dof.aperture_fstop = 2.8
    obj.data.dof.focus_distance = 4.5
    _, stage = export(animation=False)
    cam = UsdGeom.Camera(stage.GetPrimAtPath("/Root/Cam/Cam"))
    assert cam.GetFStopAttr().Get() == pytest.approx(2.8, rel=1e-6)
    assert cam.GetFocusDistanceAttr().Get() == pytest.approx(4.5, rel=1e-6)

    target = bpy.data.objects.new("Target", None)
    scene.collection.objects.link(target)
    target.location = (0.3, 0.2, -6.0)  # the camera looks down -Z from the origin
    obj.data.dof.focus_object = target
    _, stage = export("focus.usda", animation=False)
    cam = UsdGeom.Camera(stage.GetPrimAtPath("/Root/Cam/Cam"))
    assert cam.GetFocusDistanceAttr().Get() == pytest.approx(6.0, rel=1e-6)


def test_camera_looks_down_minus_z_after_axis_change(scene, export):
    obj = add_camera()
    obj.rotation_euler = (math.radians(90.0), 0.0, 0.0)  # Blender: looking along +Y, the usual front view
    _, stage = export(animation=False)
    matrix = UsdGeom.Camera(stage.GetPrimAtPath("/Root/Cam/Cam")).ComputeLocalToWorldTransform(0)
    view = matrix.TransformDir(Gf.Vec3d(0, 0, -1)).GetNormalized()
    up = matrix.TransformDir(Gf.Vec3d(0, 1, 0)).GetNormalized()
    assert np.allclose(view, [0, 0, -1], atol=1e-6)  # Blender +Y is USD -Z
    assert np.allclose(up, [0, 1, 0], atol=1e-6)  # Blender +Z is USD +Y


def test_animated_focal_length_has_a_sample_per_changing_frame(scene, export):
    obj = add_camera(lens=35.0)
    scene.frame_start, scene.frame_end = 1, 6
    obj.data.keyframe_insert("lens", frame=1)
    obj.data.lens = 85.0
    obj.data.keyframe_insert("lens", frame=4)
    _, stage = export()
    cam = UsdGeom.Camera(stage.GetPrimAtPath("/Root/Cam/Cam"))
    focal = cam.GetFocalLengthAttr()
    assert focal.GetTimeSamples() == [1.0, 2.0, 3.0, 4.0]  # frames 5 and 6 repeat frame 4
    assert focal.Get(1) == pytest.approx(35.0)
    assert focal.Get(6) == pytest.approx(85.0)
    assert 35.0 < focal.Get(2) < focal.Get(3) < 85.0
    for static in (cam.GetHorizontalApertureAttr(), cam.GetClippingRangeAttr(), cam.GetProjectionAttr()):
        assert static.GetNumTimeSamples() == 0 and static.HasAuthoredValue()


def test_animated_focus_distance(scene, export):
    obj = add_camera()
    obj.data.dof.use_dof = True
    scene.frame_start, scene.frame_end = 1, 3
    obj.data.dof.focus_distance = 2.0
    obj.data.dof.keyframe_insert("focus_distance", frame=1)
    obj.data.dof.focus_distance = 8.0
    obj.data.dof.keyframe_insert("focus_distance", frame=3)
    _, stage = export()
    focus = UsdGeom.Camera(stage.GetPrimAtPath("/Root/Cam/Cam")).GetFocusDistanceAttr()
    assert focus.GetTimeSamples() == [1.0, 2.0, 3.0]
    assert focus.Get(3) == pytest.approx(8.0)


def test_scene_camera_is_the_default_camera(scene, export):
    add_camera("Side")
    main = add_camera("Main")
    scene.camera = main
    _, stage = export(animation=False)
    assert stage.GetDefaultPrim().GetCustomDataByKey("defaultCamera") == "/Root/Main/Main"


def test_no_scene_camera_no_default_camera(scene, export):
    add_camera("Side")
    _, stage = export(animation=False)
    assert stage.GetDefaultPrim().GetCustomDataByKey("defaultCamera") is None


def test_a_camera_marker_names_the_default_camera_of_a_scene_without_one(scene, export):
    """A scene without a camera whose only camera marker is at a later frame: Blender switches to that
    marker's camera from the first frame on, and it is the default camera."""
    late = add_camera("Late")
    scene.camera = None
    scene.frame_start, scene.frame_end = 1, 4
    scene.timeline_markers.new("cut", frame=3).camera = late
    _, stage = export()
    assert stage.GetDefaultPrim().GetCustomDataByKey("defaultCamera") == "/Root/Late/Late"
