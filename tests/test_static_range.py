"""A frame range over which nothing can change costs one frame evaluation, and writes what sampling
every frame writes."""
import bpy
import pytest

import miris_export.blender.animation as animation


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
