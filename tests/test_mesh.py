"""Meshes read back from the file: points, topology, normals per domain, UV maps, colours, animation."""
import bpy
import numpy as np
import pytest
from pxr import UsdGeom

from helpers import array, usd_world


def mesh_at(stage, path):
    prim = stage.GetPrimAtPath(path)
    assert prim and prim.IsA(UsdGeom.Mesh), f"no mesh at {path}"
    return UsdGeom.Mesh(prim)


def test_cube_topology_and_world_positions(scene, export):
    bpy.ops.mesh.primitive_cube_add(size=2.0, location=(1.0, 2.0, 3.0))
    cube = bpy.context.object
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Cube/Cube")

    me = cube.data
    assert list(array(mesh.GetFaceVertexCountsAttr())) == [len(p.vertices) for p in me.polygons]
    assert list(array(mesh.GetFaceVertexIndicesAttr())) == [v for p in me.polygons for v in p.vertices]
    points = array(mesh.GetPointsAttr())
    assert np.allclose(points, [v.co for v in me.vertices])
    world = usd_world(mesh.GetPrim(), 0)
    world_points = (world @ np.c_[points, np.ones(8)].T).T[:, :3]
    # Blender (x, y, z) is USD (x, z, -y)
    expected = np.array([cube.matrix_world @ v.co for v in me.vertices])
    assert np.allclose(world_points, expected[:, [0, 2, 1]] * [1, 1, -1], atol=1e-6)
    assert np.allclose(array(mesh.GetExtentAttr()), [[-1, -1, -1], [1, 1, 1]])
    assert mesh.GetSubdivisionSchemeAttr().Get() == "none"
    assert mesh.GetDoubleSidedAttr().Get() is True


def test_unit_scale_is_applied_once(scene, export):
    scene.unit_settings.scale_length = 0.01  # one Blender unit is a centimetre
    bpy.ops.object.empty_add(location=(100.0, 0.0, 0.0))
    parent = bpy.context.object
    bpy.ops.mesh.primitive_cube_add(size=2.0, location=(100.0, 0.0, 200.0))
    bpy.context.object.parent = parent
    bpy.context.object.location = (0.0, 0.0, 200.0)
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Empty/Cube/Cube")
    world = usd_world(mesh.GetPrim(), 0)
    assert np.allclose(world[:3, 3], [1.0, 2.0, 0.0], atol=1e-6)  # metres, Y up (rotation and scale in floats)
    assert np.isclose(np.linalg.norm(world[:3, 0]), 0.01)


@pytest.mark.parametrize("shading, interpolation", [("flat", "uniform"), ("smooth", "vertex"),
                                                    ("custom", "faceVarying")])
def test_normals_are_written_at_their_own_domain(scene, export, shading, interpolation):
    bpy.ops.mesh.primitive_uv_sphere_add(segments=8, ring_count=4)
    obj = bpy.context.object
    me = obj.data
    if shading == "smooth":
        bpy.ops.object.shade_smooth()
    elif shading == "custom":
        bpy.ops.object.shade_smooth()
        custom = [(0.0, 0.0, 1.0)] * len(me.loops)
        me.normals_split_custom_set(custom)
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Sphere/Sphere")
    assert mesh.GetNormalsInterpolation() == interpolation
    normals = array(mesh.GetNormalsAttr())
    expected = {"uniform": [p.normal for p in me.polygons], "vertex": [v.normal for v in me.vertices],
                "faceVarying": [n.vector for n in me.corner_normals]}[interpolation]
    assert normals.shape == (len(expected), 3)
    assert np.allclose(normals, expected, atol=1e-5)
    if shading == "custom":
        assert np.allclose(normals, [0.0, 0.0, 1.0], atol=1e-3)


def test_every_uv_map_with_its_values(scene, export):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=3, y_subdivisions=3)
    obj = bpy.context.object
    me = obj.data
    for loop, loop_uv in zip(me.loops, me.uv_layers["UVMap"].data):
        loop_uv.uv = me.vertices[loop.vertex_index].co.xy  # one value per vertex
    second = me.uv_layers.new(name="Detail.001")
    for i, loop_uv in enumerate(second.data):
        loop_uv.uv = (i * 0.01, 1.0 - i * 0.02)  # unique per corner
    me.uv_layers["UVMap"].active_render = True
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Grid/Grid")
    primvars = UsdGeom.PrimvarsAPI(mesh)
    st = primvars.GetPrimvar("st")
    detail = primvars.GetPrimvar("Detail_001")
    assert st and detail
    assert st.GetTypeName() == "texCoord2f[]" and st.GetInterpolation() == "faceVarying"
    for primvar, layer in ((st, me.uv_layers["UVMap"]), (detail, second)):
        flat = np.array(primvar.ComputeFlattened())
        assert np.allclose(flat, [d.uv for d in layer.data])
    # The grid's map repeats values at shared corners: written indexed; the other is unique per corner.
    assert st.IsIndexed() and len(st.Get()) == len(me.vertices)
    assert not detail.IsIndexed()


def test_active_render_color_attribute_is_display_color(scene, export):
    bpy.ops.mesh.primitive_plane_add()
    me = bpy.context.object.data
    colors = me.color_attributes.new("Paint", "FLOAT_COLOR", "POINT")
    for i, c in enumerate(colors.data):
        c.color = (i / 4.0, 0.5, 1.0 - i / 4.0, 1.0)
    me.color_attributes.render_color_index = 0
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Plane/Plane")
    pv = mesh.GetDisplayColorPrimvar()
    assert pv.GetInterpolation() == "vertex"
    assert np.allclose(array(pv.GetAttr()), [[i / 4.0, 0.5, 1.0 - i / 4.0] for i in range(4)])


def test_ngons_stay_ngons(scene, export):
    bpy.ops.mesh.primitive_circle_add(vertices=7, fill_type="NGON")
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Circle/Circle")
    assert list(array(mesh.GetFaceVertexCountsAttr())) == [7]


def test_loose_geometry_is_dropped_and_reported(scene, export):
    bpy.ops.mesh.primitive_plane_add()
    obj = bpy.context.object
    me = obj.data
    me.vertices.add(3)
    me.vertices[4].co = (5, 5, 5)
    me.vertices[5].co = (6, 6, 6)
    me.vertices[6].co = (7, 7, 7)
    me.edges.add(1)
    me.edges[-1].vertices = (5, 6)
    me.update()
    report, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Plane/Plane")
    points = array(mesh.GetPointsAttr())
    assert len(points) == 4 and points.max() <= 1.0
    assert sorted(array(mesh.GetFaceVertexIndicesAttr())) == [0, 1, 2, 3]
    assert any("Plane" in w and "1 loose edge" in w and "3 vertex" in w for w in report.warnings)


def test_empty_mesh_is_skipped_and_reported(scene, export):
    me = bpy.data.meshes.new("Nothing")
    obj = bpy.data.objects.new("Hollow", me)
    scene.collection.objects.link(obj)
    bpy.ops.mesh.primitive_plane_add()
    report, stage = export(animation=False)
    assert not stage.GetPrimAtPath("/Root/Hollow")
    assert stage.GetPrimAtPath("/Root/Plane/Plane")
    assert any("Hollow" in w and "empty" in w for w in report.warnings)


def test_deforming_mesh_writes_point_samples_and_static_mesh_does_not(scene, export):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=8, y_subdivisions=8)
    wavy = bpy.context.object
    wave = wavy.modifiers.new("Wave", "WAVE")
    wave.height = 0.5
    bpy.ops.mesh.primitive_cube_add(location=(5, 0, 0))
    scene.frame_start, scene.frame_end = 1, 5
    _, stage = export()
    grid = mesh_at(stage, "/Root/Grid/Grid")
    cube = mesh_at(stage, "/Root/Cube/Cube")
    assert grid.GetPointsAttr().GetTimeSamples() == [1, 2, 3, 4, 5]
    assert grid.GetFaceVertexCountsAttr().GetNumTimeSamples() == 0  # topology holds still
    for frame in (2, 4):
        scene.frame_set(frame)
        evaluated = wavy.evaluated_get(bpy.context.evaluated_depsgraph_get()).data
        assert np.allclose(array(grid.GetPointsAttr(), frame), [v.co for v in evaluated.vertices], atol=1e-6)
    assert cube.GetPointsAttr().GetNumTimeSamples() == 0 and cube.GetPointsAttr().HasValue()
    assert stage.GetStartTimeCode() == 1 and stage.GetEndTimeCode() == 5


def test_changing_topology_writes_topology_samples(scene, export):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=6, y_subdivisions=6)
    obj = bpy.context.object
    build = obj.modifiers.new("Build", "BUILD")
    build.frame_start, build.frame_duration = 1, 4
    scene.frame_start, scene.frame_end = 1, 6
    _, stage = export(evaluation_mode="VIEWPORT")
    mesh = mesh_at(stage, "/Root/Grid/Grid")
    counts = mesh.GetFaceVertexCountsAttr()
    assert counts.GetNumTimeSamples() >= 3
    for frame in (2, 3, 6):
        scene.frame_set(frame)
        evaluated = obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).data
        assert len(counts.Get(frame)) == len(evaluated.polygons)
        assert len(mesh.GetFaceVertexIndicesAttr().Get(frame)) == len(evaluated.loops)


def test_text_and_curves_export_through_their_mesh(scene, export):
    bpy.ops.object.text_add()
    bpy.ops.curve.primitive_bezier_circle_add(location=(3, 0, 0))
    bpy.context.object.data.bevel_depth = 0.1
    report, stage = export(animation=False)
    for path in ("/Root/Text", "/Root/B_zierCircle"):
        children = [c for c in stage.GetPrimAtPath(path).GetChildren() if c.IsA(UsdGeom.Mesh)]
        assert len(children) == 1
        assert len(UsdGeom.Mesh(children[0]).GetFaceVertexCountsAttr().Get()) > 10
    assert len(bpy.data.meshes) == 0  # the temporary meshes are gone


def test_unsupported_objects_are_reported(scene, export):
    bpy.ops.object.volume_add()
    bpy.ops.mesh.primitive_plane_add()
    report, stage = export(animation=False)
    assert not stage.GetPrimAtPath("/Root/Volume")
    assert any("Volume" in w and "no Miris equivalent" in w for w in report.warnings)


def test_animated_shape_keys_write_point_samples(scene, export):
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    cube.shape_key_add(name="Basis")
    raised = cube.shape_key_add(name="Raised")
    for point in raised.data:
        point.co.z += 1.0
    raised.value = 0.0
    raised.keyframe_insert("value", frame=1)
    raised.value = 1.0
    raised.keyframe_insert("value", frame=3)
    scene.frame_start, scene.frame_end = 1, 4
    _, stage = export()
    points = mesh_at(stage, "/Root/Cube/Cube").GetPointsAttr()
    assert points.GetTimeSamples() == [1, 2, 3]
    assert np.allclose(array(points, 1)[:, 2].max(), 1.0) and np.allclose(array(points, 3)[:, 2].max(), 2.0)


def test_uv_seams_are_kept_when_indexed(scene, export):
    bpy.ops.mesh.primitive_cube_add()  # its UV map has seams: corners of one vertex differ
    me = bpy.context.object.data
    _, stage = export(animation=False)
    st = UsdGeom.PrimvarsAPI(mesh_at(stage, "/Root/Cube/Cube")).GetPrimvar("st")
    assert np.allclose(np.array(st.ComputeFlattened()), [d.uv for d in me.uv_layers["UVMap"].data])


def test_points_that_are_not_numbers_are_left_out_of_the_extent(scene, export):
    bpy.ops.mesh.primitive_cube_add(size=2.0)
    bpy.context.object.data.vertices[0].co = (float("nan"), 0.0, float("inf"))
    report, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Cube/Cube")
    assert np.isnan(array(mesh.GetPointsAttr())[0, 0])  # the data is written as it is
    assert array(mesh.GetExtentAttr()).tolist() == [[-1, -1, -1], [1, 1, 1]]
    assert "/Root/Cube/Cube: 1 point(s) are not finite numbers (NaN or infinite); written as they are, " \
        "and left out of the extent" in report.warnings


def test_empty_text_is_skipped_and_reported(scene, export):
    bpy.ops.object.text_add()
    text = bpy.context.object
    text.data.body = ""
    bpy.ops.mesh.primitive_plane_add()
    report, stage = export(animation=False)
    assert not stage.GetPrimAtPath("/Root/Text")
    assert any("Text" in w and "no surface" in w for w in report.warnings)
