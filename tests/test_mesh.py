"""Meshes read back from the file: points, topology, normals per domain, UV maps, colours, animation."""
import bpy
import numpy as np
import pytest
from pxr import UsdGeom

from helpers import array, cube_with_shape_key, usd_world
from miris_export.blender.mesh_data import CHUNK


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
                                                    ("custom", "faceVarying"), ("custom by vertex", "vertex")])
def test_normals_are_written_at_their_own_domain(scene, export, shading, interpolation):
    bpy.ops.mesh.primitive_uv_sphere_add(segments=8, ring_count=4)
    obj = bpy.context.object
    me = obj.data
    custom = None
    if shading == "smooth":
        bpy.ops.object.shade_smooth()
    elif shading == "custom":  # each corner tilted towards its face: corners of one vertex differ
        bpy.ops.object.shade_smooth()
        custom = [None] * len(me.loops)
        for face in me.polygons:
            for corner in face.loop_indices:
                custom[corner] = tuple(0.5 * face.normal + 0.5 * me.vertices[me.loops[corner].vertex_index].normal)
        me.normals_split_custom_set(custom)
    elif shading == "custom by vertex":  # custom, but one normal a vertex: written per vertex
        bpy.ops.object.shade_smooth()
        me.normals_split_custom_set_from_vertices([(0.0, 0.0, 1.0)] * len(me.vertices))
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Sphere/Sphere")
    assert mesh.GetNormalsInterpolation() == interpolation
    normals = array(mesh.GetNormalsAttr())
    corners = np.array([n.vector for n in me.corner_normals])
    expected = {"uniform": [p.normal for p in me.polygons], "vertex": [v.normal for v in me.vertices],
                "faceVarying": corners}[interpolation]
    if shading == "custom by vertex":  # each vertex's normal is that of its corners, exactly
        expected = np.zeros((len(me.vertices), 3))
        expected[[loop.vertex_index for loop in me.loops]] = corners
        assert np.allclose(normals, [0.0, 0.0, 1.0], atol=1e-3)
    assert normals.shape == (len(expected), 3)
    assert np.allclose(normals, expected, atol=1e-5)
    # Read back per corner, the normals are Blender's corner normals.
    if interpolation != "uniform":
        per_corner = normals[array(mesh.GetFaceVertexIndicesAttr())] if interpolation == "vertex" else normals
        assert np.allclose(per_corner, corners, atol=1e-5)


def test_corner_normals_of_a_deforming_mesh_stay_per_corner(scene, export):
    # An interpolation holds for every sample: normals that are one a vertex at the first frame
    # but may not be later stay per corner.
    bpy.ops.mesh.primitive_plane_add()
    obj = bpy.context.object
    obj.data.normals_split_custom_set_from_vertices([(0.0, 0.0, 1.0)] * 4)
    wave = obj.modifiers.new("Wave", "WAVE")
    wave.time_offset = -1.0
    _, stage = export(frame_start=1, frame_end=3)
    mesh = mesh_at(stage, "/Root/Plane/Plane")
    assert mesh.GetNormalsInterpolation() == "faceVarying"
    assert len(mesh.GetNormalsAttr().Get(1)) == len(obj.data.loops)


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


def test_display_color_is_the_active_render_attribute_of_several(scene, export):
    bpy.ops.mesh.primitive_plane_add()
    me = bpy.context.object.data
    first = me.color_attributes.new("First", "FLOAT_COLOR", "POINT")
    render = me.color_attributes.new("Render", "FLOAT_COLOR", "CORNER")
    for i, c in enumerate(first.data):
        c.color = (1.0, 0.0, 0.0, 1.0)
    for i, c in enumerate(render.data):
        c.color = (i / 8.0, 0.25, 1.0 - i / 8.0, 1.0)
    me.color_attributes.active_color_index = 0  # the one painted in the viewport is not the rendered one
    me.color_attributes.render_color_index = 1
    _, stage = export(animation=False)
    pv = mesh_at(stage, "/Root/Plane/Plane").GetDisplayColorPrimvar()
    assert pv.GetInterpolation() == "faceVarying"
    assert np.allclose(array(pv.GetAttr()), [tuple(c.color)[:3] for c in me.color_attributes["Render"].data])


def test_ngons_stay_ngons(scene, export):
    bpy.ops.mesh.primitive_circle_add(vertices=7, fill_type="NGON")
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Circle/Circle")
    assert list(array(mesh.GetFaceVertexCountsAttr())) == [7]


def test_triangle_meshes_and_mixed_meshes_keep_their_face_counts(scene, export):
    # A mesh of three corners a face is all triangles (their counts are not read); others are read,
    # here one of four corners a face on average that is not all quads.
    bpy.ops.mesh.primitive_ico_sphere_add(subdivisions=1)
    triangles = bpy.context.object.data
    mixed = bpy.data.meshes.new("Mixed")
    mixed.from_pydata([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (2, 0, 0), (2, 1, 0), (3, 0, 0), (3, 1, 0),
                       (4, 0, 0), (4, 1, 0), (3.5, 1.5, 0)],
                      [], [(0, 1, 2, 3), (1, 4, 5, 2), (4, 6, 7, 5), (0, 1, 3), (6, 8, 9, 10, 7)])
    assert len(mixed.loops) == 4 * len(mixed.polygons)
    bpy.context.collection.objects.link(bpy.data.objects.new("Mixed", mixed))
    _, stage = export(animation=False)
    for name, me in (("Icosphere", triangles), ("Mixed", mixed)):
        mesh = mesh_at(stage, f"/Root/{name}/{name}")
        assert list(array(mesh.GetFaceVertexCountsAttr())) == [len(p.vertices) for p in me.polygons]
        assert list(array(mesh.GetFaceVertexIndicesAttr())) == [v for p in me.polygons for v in p.vertices]


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


@pytest.mark.parametrize("domain", ["POINT", "CORNER"])
def test_per_vertex_data_skips_loose_vertices(scene, export, domain):
    """More loose vertices than used ones, and as many loose edges as used ones, so no arithmetic
    slip on the counts goes unseen."""
    bpy.ops.mesh.primitive_plane_add()
    bpy.ops.object.shade_smooth()  # normals per vertex
    me = bpy.context.object.data
    me.vertices.add(5)
    for i in range(5):
        me.vertices[4 + i].co = (5.0 + i, 5.0, 5.0)
    me.edges.add(4)  # as many loose edges as the face has edges
    for i in range(4):
        me.edges[4 + i].vertices = (4 + i, 5 + i)
    colors = me.color_attributes.new("Paint", "FLOAT_COLOR", domain)
    for i, c in enumerate(colors.data):
        c.color = (i / 10.0, 0.5, 1.0 - i / 10.0, 1.0)
    me.update()
    used = sorted({loop.vertex_index for loop in me.loops})
    report, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Plane/Plane")
    assert np.allclose(array(mesh.GetPointsAttr()), [me.vertices[v].co for v in used])
    assert np.allclose(array(mesh.GetNormalsAttr()), [me.vertices[v].normal for v in used], atol=1e-6)
    remap = {v: i for i, v in enumerate(used)}
    assert list(array(mesh.GetFaceVertexIndicesAttr())) == [remap[loop.vertex_index] for loop in me.loops]
    data = me.color_attributes["Paint"].data
    expected = [data[v].color[:3] for v in used] if domain == "POINT" else [c.color[:3] for c in data]
    assert np.allclose(array(mesh.GetDisplayColorPrimvar().GetAttr()), expected)
    assert any("dropped 4 loose edge(s) and 5 vertex(es)" in w for w in report.warnings), report.warnings


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
    cube, raised = cube_with_shape_key()
    raised.value = 0.0
    raised.keyframe_insert("value", frame=1)
    raised.value = 1.0
    raised.keyframe_insert("value", frame=3)
    scene.frame_start, scene.frame_end = 1, 4
    _, stage = export()
    points = mesh_at(stage, "/Root/Cube/Cube").GetPointsAttr()
    assert points.GetTimeSamples() == [1, 2, 3]
    assert np.allclose(array(points, 1)[:, 2].max(), 1.0) and np.allclose(array(points, 3)[:, 2].max(), 2.0)


def blender_corner_uvs(me, name):
    """Blender's own UV per corner, in corner order."""
    uv = np.empty(len(me.loops) * 2, np.float32)
    me.uv_layers[name].uv.foreach_get("vector", uv)
    return uv.reshape(-1, 2)


def test_uv_seams_are_kept_when_indexed(scene, export):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=6, y_subdivisions=6)
    me = bpy.context.object.data
    layer = me.uv_layers["UVMap"]
    # Seams: the first column of faces and the last face get UVs of their own, so corners of one
    # vertex differ there (the last corner of the mesh among them); elsewhere one UV a vertex.
    for face in me.polygons:
        shift = (1.0, 0.0) if face.index % 6 == 0 else (0.0, 2.0) if face.index == len(me.polygons) - 1 else (0, 0)
        for corner in face.loop_indices:
            co = me.vertices[me.loops[corner].vertex_index].co
            layer.uv[corner].vector = (co.x + shift[0], co.y + shift[1])
    me.vertices.add(60)  # loose vertices, more than the grid's: the table must not count them
    me.update()
    expected = blender_corner_uvs(me, "UVMap")
    seam_vertices = {v for v in range(len(me.vertices))
                     if len({tuple(expected[c]) for c in range(len(me.loops)) if me.loops[c].vertex_index == v}) > 1}
    assert seam_vertices  # the map really has seams
    _, stage = export(animation=False)
    st = UsdGeom.PrimvarsAPI(mesh_at(stage, "/Root/Grid/Grid")).GetPrimvar("st")
    assert st.IsIndexed()  # a table shorter than the corners: the indexed path is the one tested
    values, indices = np.array(st.Get()), np.array(st.GetIndices())
    assert len(values) < len(me.loops) and len(indices) == len(me.loops)
    assert np.array_equal(values[indices], expected)
    assert set(indices.tolist()) == set(range(len(values)))  # no entry of the table goes unused
    # Indexed by vertex: a corner off the seams takes its vertex's entry (the loose vertices come
    # last, so the grid's keep their numbers), a seam corner one past the vertices.
    corner_vertex = np.array([loop.vertex_index for loop in me.loops])
    on_seam = np.isin(corner_vertex, list(seam_vertices))
    assert np.array_equal(indices[~on_seam], corner_vertex[~on_seam])
    used = len(set(corner_vertex.tolist()))
    assert np.all((indices[on_seam] == corner_vertex[on_seam]) | (indices[on_seam] >= used))


def test_uv_map_with_many_seams_is_written_per_corner(scene, export):
    bpy.ops.mesh.primitive_cube_add()
    me = bpy.context.object.data
    expected = blender_corner_uvs(me, "UVMap")
    # Indexed, the 14 distinct UVs of the unfolded cube alone (8 bytes each) and an index a corner
    # (4 bytes) cost more than a value a corner (8 bytes): written per corner.
    assert len(np.unique(expected, axis=0)) * 8 + len(me.loops) * 4 > len(me.loops) * 8
    _, stage = export(animation=False)
    st = UsdGeom.PrimvarsAPI(mesh_at(stage, "/Root/Cube/Cube")).GetPrimvar("st")
    assert not st.IsIndexed()
    assert np.array_equal(np.array(st.Get()), expected)


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


def test_uv_map_of_few_values_with_seams_everywhere_is_indexed_by_value(scene, export):
    # A map added to a mesh made without UVs gives every face the whole square: each corner of a
    # vertex differs from the next, but there are four values in all.
    bpy.ops.mesh.primitive_uv_sphere_add(segments=16, ring_count=8)
    me = bpy.context.object.data
    me.uv_layers.remove(me.uv_layers[0])
    me.uv_layers.new(name="UVMap")
    expected = blender_corner_uvs(me, "UVMap")
    distinct = np.unique(expected, axis=0)
    assert len(distinct) <= 4 < len(me.vertices)
    _, stage = export(animation=False)
    st = UsdGeom.PrimvarsAPI(mesh_at(stage, "/Root/Sphere/Sphere")).GetPrimvar("st")
    assert st.IsIndexed()
    values, indices = np.array(st.Get()), np.array(st.GetIndices())
    assert len(values) == len(distinct) and len(indices) == len(me.loops)
    assert np.array_equal(values[indices], expected)


def test_custom_normals_by_vertex_leave_loose_vertices_out(scene, export):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=4, y_subdivisions=4)
    me = bpy.context.object.data
    used = len(me.vertices)
    me.vertices.add(7)  # loose: left out, so the normals are as many as the vertices kept
    me.normals_split_custom_set_from_vertices([(0.0, 0.0, 1.0)] * len(me.vertices))
    corners = np.array([n.vector for n in me.corner_normals])
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Grid/Grid")
    assert mesh.GetNormalsInterpolation() == "vertex"
    normals = array(mesh.GetNormalsAttr())
    assert len(normals) == len(array(mesh.GetPointsAttr())) == used
    assert np.allclose(normals[array(mesh.GetFaceVertexIndicesAttr())], corners, atol=1e-6)


def test_a_seam_and_a_normal_past_the_first_chunk_of_corners_are_kept(scene, export):
    # Corners are compared in chunks; what differs in a later chunk counts as much as in the first.
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=258, y_subdivisions=258)
    bpy.ops.object.shade_smooth()
    me = bpy.context.object.data
    assert len(me.loops) > CHUNK
    last = me.polygons[-1]
    layer = me.uv_layers["UVMap"]
    for corner in last.loop_indices:
        layer.uv[corner].vector = (5.0, 5.0)  # the last face's corners differ from their vertices'
    # The last face's inner vertex raised, its edges sharp: its four faces each have their own
    # normal there, the only vertex of the mesh whose corners differ, all of them past the first chunk.
    inner = max(last.vertices, key=lambda v: sum(v in p.vertices for p in me.polygons[-300:]))
    me.vertices[inner].co.z += 0.5
    for edge in me.edges:
        if inner in edge.vertices:
            edge.use_edge_sharp = True
    me.update()
    expected_uv = blender_corner_uvs(me, "UVMap")
    expected_normals = np.empty(len(me.loops) * 3, np.float32)
    me.corner_normals.foreach_get("vector", expected_normals)
    corner_vertex = np.array([loop.vertex_index for loop in me.loops])
    assert np.flatnonzero(corner_vertex == inner).min() >= CHUNK
    _, stage = export(animation=False)
    mesh = mesh_at(stage, "/Root/Grid/Grid")
    st = UsdGeom.PrimvarsAPI(mesh).GetPrimvar("st")
    assert st.IsIndexed()
    values, indices = np.array(st.Get()), np.array(st.GetIndices())
    assert np.array_equal(values[indices], expected_uv)
    assert len(values) > len(me.vertices)  # indexed by vertex, plus the seams
    assert mesh.GetNormalsInterpolation() == "faceVarying"
    assert np.allclose(array(mesh.GetNormalsAttr()), expected_normals.reshape(-1, 3), atol=1e-6)


def test_a_seam_at_the_first_corner_is_kept(scene, export):
    bpy.ops.mesh.primitive_cube_add()
    me = bpy.context.object.data
    layer = me.uv_layers["UVMap"]
    for corner, loop in enumerate(me.loops):  # one UV a vertex: no seams...
        layer.uv[corner].vector = me.vertices[loop.vertex_index].co.xy
    layer.uv[0].vector = (7.0, 7.0)  # ...but at the very first corner
    expected = blender_corner_uvs(me, "UVMap")
    _, stage = export(animation=False)
    st = UsdGeom.PrimvarsAPI(mesh_at(stage, "/Root/Cube/Cube")).GetPrimvar("st")
    values, indices = np.array(st.Get()), np.array(st.GetIndices())
    assert len(values) == len(me.vertices) + 1 and indices[0] == len(me.vertices)
    assert np.array_equal(values[indices], expected)


def test_a_map_whose_first_corners_repeat_but_not_the_rest_is_written_per_corner(scene, export):
    # The first corners look like a map of few values; all of it has too many for an index to pay.
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=60, y_subdivisions=60)
    me = bpy.context.object.data
    uv = np.random.default_rng(3).random((len(me.loops), 2)).astype(np.float32)
    uv[:4096] = 0.25
    me.uv_layers["UVMap"].uv.foreach_set("vector", uv.ravel())
    assert len(np.unique(uv, axis=0)) * 2 >= len(me.loops) > 2 * 4096
    _, stage = export(animation=False)
    st = UsdGeom.PrimvarsAPI(mesh_at(stage, "/Root/Grid/Grid")).GetPrimvar("st")
    assert not st.IsIndexed()
    assert np.array_equal(np.array(st.Get()), uv)
