"""A frame range over which nothing can change costs one frame evaluation, and writes what sampling
every frame writes; in a range where something moves, what cannot change is read once."""
from collections import Counter

import bpy
import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdLux

import miris_export.blender.animation as animation
from helpers import blender_world_in_usd, usd_world
from miris_export.hierarchy.iterator import HierarchyIterator
from miris_export.writers import camera, light, world


def _still_scene(scene):
    scene.frame_start, scene.frame_end = 1, 250
    bpy.ops.mesh.primitive_cube_add(location=(1, 2, 3), rotation=(0.3, 0, 0))
    cube = bpy.context.object
    cube.modifiers.new("Bevel", "BEVEL")
    cube.data.materials.append(bpy.data.materials.new("Paint"))
    bpy.ops.object.light_add(type="SPOT", location=(0, -4, 3))
    bpy.ops.object.camera_add(location=(0, -8, 1))
    return cube


def test_static_range_evaluates_one_frame_and_writes_the_same_file(scene, export, tmp_path, monkeypatch):
    _still_scene(scene)
    report, stage = export("once.usda")
    assert report.frames_evaluated == 1 and report.frames == (1, 250)
    assert stage.GetStartTimeCode() == 1 and stage.GetEndTimeCode() == 250
    monkeypatch.setattr(animation, "scene_may_change", lambda scene: True)  # every frame, as before
    sampled, _ = export("sampled.usda")
    assert sampled.frames_evaluated == 250
    once, every = (tmp_path / "once.usda").read_text(), (tmp_path / "sampled.usda").read_text()
    assert once == every and "timeSamples" not in once


def _keyed(obj):
    obj.keyframe_insert("location", frame=1)


def _wave(obj):
    obj.modifiers.new("Wave", "WAVE")


def _scene_time_nodes(obj):
    tree = bpy.data.node_groups.new("Timed", "GeometryNodeTree")
    tree.nodes.new("GeometryNodeInputSceneTime")
    inner = bpy.data.node_groups.new("Outer", "GeometryNodeTree")
    group = inner.nodes.new("GeometryNodeGroup")
    group.node_tree = tree  # the timed node inside a group
    obj.modifiers.new("Nodes", "NODES").node_group = inner


def _driven_material(obj):
    material = bpy.data.materials.new("Driven")
    if material.node_tree is None:  # Blender 4.2: nodes only on request
        material.use_nodes = True
    material.node_tree.nodes["Principled BSDF"].inputs["Roughness"].driver_add("default_value")
    obj.data.materials.append(material)


def _particles(obj):
    obj.modifiers.new("Particles", "PARTICLE_SYSTEM")


@pytest.mark.parametrize("make_changing", [_keyed, _wave, _scene_time_nodes, _driven_material, _particles])
def test_anything_that_may_change_samples_every_frame(scene, make_changing):
    cube = _still_scene(scene)
    assert not animation.scene_may_change(scene)
    make_changing(cube)
    assert animation.scene_may_change(scene)


def test_keyed_range_evaluates_every_frame(scene, export):
    cube = _still_scene(scene)
    scene.frame_end = 5
    _keyed(cube)
    report, _ = export()
    assert report.frames_evaluated == 5


def _moving_scene_with_still_data(scene):
    """The still scene with a World, and the cube keyed to move over frames 1-5."""
    from test_world import set_background

    cube = _still_scene(scene)
    scene.frame_end = 5
    set_background(scene)
    cube.keyframe_insert("location", frame=1)
    cube.location.x += 2
    cube.keyframe_insert("location", frame=5)
    return cube


def test_still_camera_light_and_world_are_read_once_in_a_moving_scene(scene, export, tmp_path, monkeypatch):
    _moving_scene_with_still_data(scene)
    # Keyed custom properties change nothing a camera, light or World writes.
    for block in (next(o for o in scene.objects if o.type == kind).data for kind in ("CAMERA", "LIGHT")):
        block["note"] = 1.0
        block.keyframe_insert('["note"]', frame=1)
        block["note"] = 2.0
        block.keyframe_insert('["note"]', frame=5)
    calls = Counter()
    for writer in (camera.CameraWriter, light.LightWriter):
        original = writer.write
        monkeypatch.setattr(writer, "write", lambda self, ctx, time, original=original:
                            calls.update([type(self).__name__]) or original(self, ctx, time))
    report, stage = export("once.usda")
    assert report.frames_evaluated == 5
    assert calls == {"CameraWriter": 1, "LightWriter": 1}
    dome = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/Sky"))
    assert dome.GetIntensityAttr().GetNumTimeSamples() == 0 and dome.GetIntensityAttr().Get() == 2.0
    # Read at every frame instead, as before: the same file.
    for module in (camera, light, world):
        monkeypatch.setattr(module, "linked_may_change", lambda *args: True)
    calls.clear()
    export("sampled.usda")
    assert calls == {"CameraWriter": 5, "LightWriter": 5}
    assert (tmp_path / "once.usda").read_text() == (tmp_path / "sampled.usda").read_text()


def test_keyed_camera_light_and_world_values_are_sampled(scene, export):
    _moving_scene_with_still_data(scene)
    cam = next(o for o in scene.objects if o.type == "CAMERA").data
    lamp = next(o for o in scene.objects if o.type == "LIGHT").data
    strength = scene.world.node_tree.nodes["Background"].inputs["Strength"]
    for frame, value in ((1, 1.0), (5, 3.0)):
        cam.lens = 20.0 * value
        cam.keyframe_insert("lens", frame=frame)
        lamp.color = (value / 3, 0.5, 0.5)
        lamp.keyframe_insert("color", frame=frame)
        strength.default_value = value
        strength.keyframe_insert("default_value", frame=frame)
    expected = {}
    for frame in range(1, 6):
        scene.frame_set(frame)
        expected[frame] = (cam.lens, lamp.color[0], strength.default_value)
    scene.frame_set(1)
    _, stage = export()
    prims = {p.GetTypeName(): p for p in stage.Traverse()}
    lens = UsdGeom.Camera(prims["Camera"]).GetFocalLengthAttr()
    color = UsdLux.LightAPI(prims["SphereLight"]).GetColorAttr()
    intensity = UsdLux.DomeLight(stage.GetPrimAtPath("/Root/Sky")).GetIntensityAttr()
    for frame, (focal, red, bright) in expected.items():
        assert lens.Get(frame) == pytest.approx(focal, rel=1e-6)
        assert color.Get(frame)[0] == pytest.approx(red, rel=1e-6)
        assert intensity.Get(frame) == pytest.approx(bright, rel=1e-6)
    assert lens.GetNumTimeSamples() >= 2 and color.GetNumTimeSamples() >= 2 and intensity.GetNumTimeSamples() >= 2


def _subdivided_cube(scene):
    """A subdivided cube in a moving scene, its object and mesh with keyed custom properties."""
    scene.frame_start, scene.frame_end = 1, 3
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    modifier = cube.modifiers.new("Subdivision", "SUBSURF")
    modifier.levels = modifier.render_levels = 1  # the export evaluates as a render does
    for frame in (1, 3):
        cube.location.x = frame
        cube.keyframe_insert("location", frame=frame)
        for owner in (cube, cube.data):
            owner["weight"] = float(frame)
            owner.keyframe_insert('["weight"]', frame=frame)
    return cube


def _evaluated_vertex_counts(scene, obj):
    counts = {}
    for frame in range(scene.frame_start, scene.frame_end + 1):
        scene.frame_set(frame)
        counts[frame] = len(obj.evaluated_get(bpy.context.evaluated_depsgraph_get()).data.vertices)
    scene.frame_set(scene.frame_start)
    return counts


def test_a_self_contained_modifier_with_keyed_custom_properties_is_read_once(scene, export, monkeypatch):
    from miris_export.writers import mesh

    cube = _subdivided_cube(scene)
    counts = _evaluated_vertex_counts(scene, cube)
    calls = Counter()
    original = mesh.MeshWriter.write
    monkeypatch.setattr(mesh.MeshWriter, "write", lambda self, ctx, time:
                        calls.update(["mesh"]) or original(self, ctx, time))
    _, stage = export()
    assert calls["mesh"] == 1
    points = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube")).GetPointsAttr()
    assert points.GetNumTimeSamples() == 0
    assert len(points.Get()) == counts[1] == counts[3] == 26  # a cube subdivided once


def test_keyed_modifier_settings_are_sampled(scene, export):
    cube = _subdivided_cube(scene)
    modifier = cube.modifiers["Subdivision"]
    for frame, levels in ((1, 1), (3, 2)):
        modifier.levels = modifier.render_levels = levels
        for prop in ("levels", "render_levels"):
            cube.keyframe_insert(f'modifiers["Subdivision"].{prop}', frame=frame)
    counts = _evaluated_vertex_counts(scene, cube)
    _, stage = export()
    points = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube")).GetPointsAttr()
    assert counts[1] != counts[3]
    assert {frame: len(points.Get(frame)) for frame in counts} == counts


@pytest.mark.skipif(bpy.app.version < (4, 4, 0), reason="action slots came with Blender 4.4")
def test_only_an_ids_own_slot_of_a_shared_action_counts(scene):
    from miris_export.blender.evaluation import animated_paths

    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    material = bpy.data.materials.new("Paint")
    cube.data.materials.append(material)
    cube["weight"] = 1.0
    cube.keyframe_insert('["weight"]', frame=1)
    material.diffuse_color = (1, 0, 0, 1)
    material.keyframe_insert("diffuse_color", frame=1)
    action = cube.animation_data.action
    material.animation_data.action_slot = None
    material.animation_data.action = action  # one action, a slot for each
    material.keyframe_insert("diffuse_color", frame=2)
    assert len(action.slots) == 2
    assert animated_paths(cube) == {'["weight"]'}
    assert animated_paths(material) == {"diffuse_color"}


def _walks(monkeypatch):
    """Counts the frames whose objects are walked (the others repeat the frame before's)."""
    walked = Counter()
    walk = HierarchyIterator._real_objects

    def counted(self, depsgraph):
        walked["frames"] += 1
        return walk(self, depsgraph)

    monkeypatch.setattr(HierarchyIterator, "_real_objects", counted)
    return walked


def test_frames_that_only_move_objects_read_their_matrices_only(scene, export, tmp_path, monkeypatch):
    """Moving objects, a still mesh, a light and a camera: after the first frame, each frame reads the
    objects' matrices and writes what walking every frame writes."""
    cube = _still_scene(scene)
    scene.frame_end = 12
    cube.keyframe_insert("location", frame=1)
    cube.location.z += 2
    cube.keyframe_insert("location", frame=12)
    bpy.ops.object.empty_add(location=(0, 1, 0))
    holder = bpy.context.object
    holder.keyframe_insert("rotation_euler", frame=1)
    holder.rotation_euler.z = 2.0
    holder.keyframe_insert("rotation_euler", frame=12)
    bpy.ops.mesh.primitive_ico_sphere_add(location=(0, 3, 0))
    bpy.context.object.parent = holder
    walked = _walks(monkeypatch)
    export("repeated.usda")
    assert walked["frames"] == 1
    for frame in (1, 5, 12):
        scene.frame_set(frame)
        stage = Usd.Stage.Open(str(tmp_path / "repeated.usda"))
        for obj, path in ((cube, "/Root/Cube"), (bpy.context.object, "/Root/Empty/Icosphere")):
            assert np.allclose(usd_world(stage.GetPrimAtPath(path), frame), blender_world_in_usd(obj), atol=1e-5)
    monkeypatch.setattr(HierarchyIterator, "_repeatable", lambda self, *args: None)
    export("walked.usda")
    assert walked["frames"] == 1 + 12
    assert (tmp_path / "repeated.usda").read_text() == (tmp_path / "walked.usda").read_text()


def test_an_instancing_type_keyed_on_midway_is_walked_again(scene, export, tmp_path, monkeypatch):
    kit = bpy.data.collections.new("Kit")
    mesh = bpy.data.meshes.new("Tri")
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    kit.objects.link(bpy.data.objects.new("Tri", mesh))
    holder = bpy.data.objects.new("Holder", None)
    scene.collection.objects.link(holder)
    holder.instance_collection = kit
    child = bpy.data.objects.new("Child", mesh)  # the holder is exported from the first frame for it
    scene.collection.objects.link(child)
    child.parent = holder
    scene.frame_start, scene.frame_end = 1, 5
    holder.keyframe_insert("location", frame=1)
    holder.location.x = 4
    holder.keyframe_insert("location", frame=5)
    holder.keyframe_insert("instance_type", frame=1)  # NONE: nothing to draw until frame 3
    holder.instance_type = "COLLECTION"
    holder.keyframe_insert("instance_type", frame=3)
    walked = _walks(monkeypatch)
    _, stage = export("repeated.usda")
    assert walked["frames"] == 1 + 3  # frame 2 repeats frame 1; from frame 3 the copy is written
    for path in ("/Root/Holder/Tri",):  # the copy appears at frame 3
        visibility = UsdGeom.Imageable(stage.GetPrimAtPath(path)).GetVisibilityAttr()
        assert [visibility.Get(frame) for frame in range(1, 6)] == ["invisible"] * 2 + ["inherited"] * 3, path
    monkeypatch.setattr(HierarchyIterator, "_repeatable", lambda self, *args: None)
    export("walked.usda")
    assert (tmp_path / "repeated.usda").read_text() == (tmp_path / "walked.usda").read_text()


def test_frames_with_writers_called_each_frame_repeat_too(scene, export, tmp_path, monkeypatch):
    """Still meshes beside a light whose power is keyed and a mesh whose shape keys move: the frames
    after the first are not walked; the light and the mesh are read each frame as before."""
    _still_scene(scene)
    scene.frame_end = 6
    lamp = next(o for o in scene.objects if o.type == "LIGHT")
    lamp.data.energy = 100.0
    lamp.data.keyframe_insert("energy", frame=1)
    lamp.data.energy = 400.0
    lamp.data.keyframe_insert("energy", frame=6)
    bpy.ops.mesh.primitive_plane_add(location=(0, 0, -1))
    plane = bpy.context.object
    plane.shape_key_add(name="Basis")
    lift = plane.shape_key_add(name="Lift")
    lift.data[0].co.z = 1.0
    lift.value = 0.0
    lift.keyframe_insert("value", frame=1)
    lift.value = 1.0
    lift.keyframe_insert("value", frame=6)
    walked = _walks(monkeypatch)
    _, stage = export("repeated.usda")
    assert walked["frames"] == 1
    intensity = UsdLux.SphereLight(stage.GetPrimAtPath("/Root/Spot/Spot")).GetIntensityAttr()
    points = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Plane/Plane")).GetPointsAttr()
    for frame in (1, 3, 6):
        scene.frame_set(frame)
        assert intensity.Get(frame) / intensity.Get(1) == pytest.approx(lamp.data.energy / 100.0, rel=1e-6)
        evaluated = plane.evaluated_get(bpy.context.evaluated_depsgraph_get()).data
        assert points.Get(frame)[0][2] == pytest.approx(evaluated.vertices[0].co.z, abs=1e-6)
    monkeypatch.setattr(HierarchyIterator, "_repeatable", lambda self, *args: None)
    export("walked.usda")
    assert (tmp_path / "repeated.usda").read_text() == (tmp_path / "walked.usda").read_text()
