"""Hostile but realistic scenes: keyed visibility, names that collide, settings the viewport and
the render disagree on, odd folders and permissions. Each reads the written file back."""
import os
import stat

import bpy
import numpy as np
import pytest
from pxr import Usd, UsdGeom, UsdShade

from helpers import AXIS, usd_world


def add_cube(name, location=(0, 0, 0)):
    bpy.ops.mesh.primitive_cube_add(size=1.0, location=location)
    obj = bpy.context.object
    obj.name = name
    return obj


def key_switch(owner, prop, first, second, switch, end):
    """Keys `owner.prop` to `first` on frames 1..switch-1 and `second` from `switch` to `end`."""
    setattr(owner, prop, first)
    owner.keyframe_insert(prop, frame=1)
    setattr(owner, prop, second)
    owner.keyframe_insert(prop, frame=switch)
    bpy.context.scene.frame_start, bpy.context.scene.frame_end = 1, end


def visibility(stage, path, frames):
    """The prim's visibility at each frame, its ancestors' included."""
    imageable = UsdGeom.Imageable(stage.GetPrimAtPath(path))
    return [imageable.ComputeVisibility(frame) for frame in frames]


def mesh_path(stage, path):
    """The path of the one Mesh under the Xform at `path` (an instance's, through its proxies)."""
    children = stage.GetPrimAtPath(path).GetFilteredChildren(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate))
    [mesh] = [c for c in children if c.IsA(UsdGeom.Mesh)]
    return mesh.GetPath()


def mesh_points(stage, path, frame=None):
    """The point count of the Mesh under the Xform at `path`."""
    mesh = UsdGeom.Mesh(stage.GetPrimAtPath(mesh_path(stage, path)))
    return len(mesh.GetPointsAttr().Get(Usd.TimeCode.Default() if frame is None else frame))


def blender_values(obj, prop, frames):
    """`obj.prop` as Blender evaluates it at each frame."""
    scene = bpy.context.scene
    values = []
    for frame in frames:
        scene.frame_set(frame)
        values.append(getattr(obj, prop))
    scene.frame_set(1)
    return values


# Keyed visibility -------------------------------------------------------------------------------

@pytest.mark.parametrize("hidden_first", [True, False])
def test_keyed_hide_render_gives_visibility_samples(scene, export, hidden_first):
    cube = add_cube("Cube")
    add_cube("Still", (3, 0, 0))
    key_switch(cube, "hide_render", hidden_first, not hidden_first, 4, 7)
    frames = range(1, 8)
    hidden = blender_values(cube, "hide_render", frames)
    assert hidden == [hidden_first] * 3 + [not hidden_first] * 4  # the scene is what the test means
    _, stage = export()
    assert visibility(stage, mesh_path(stage, "/Root/Cube"), frames) == ["invisible" if h else "inherited"
                                                                          for h in hidden]
    assert visibility(stage, mesh_path(stage, "/Root/Still"), frames) == ["inherited"] * 7
    assert cube.hide_viewport is False  # the scene's own value is back


@pytest.mark.parametrize("mode,prop", [("RENDER", "hide_render"), ("VIEWPORT", "hide_viewport")])
def test_keyed_hiding_from_a_hidden_current_frame_is_exported_and_restored(scene, export, mode, prop):
    cube = add_cube("Cube")
    key_switch(cube, prop, False, True, 4, 7)
    key_switch(cube, "hide_viewport" if prop == "hide_render" else "hide_render", True, False, 3, 7)
    frames = range(1, 8)
    hidden = blender_values(cube, prop, frames)
    scene.frame_set(5)
    state = (cube.hide_render, cube.hide_viewport)
    _, stage = export(evaluation_mode=mode)
    assert visibility(stage, mesh_path(stage, "/Root/Cube"), frames) == ["invisible" if h else "inherited"
                                                                         for h in hidden]
    assert scene.frame_current == 5 and (cube.hide_render, cube.hide_viewport) == state


@pytest.mark.parametrize("mode,prop", [("RENDER", "hide_render"), ("VIEWPORT", "hide_viewport")])
def test_keyed_hiding_is_ignored_when_hidden_objects_are_included(scene, export, mode, prop):
    cube = add_cube("Cube")
    key_switch(cube, prop, False, True, 2, 3)
    _, stage = export(evaluation_mode=mode, visible_only=False)
    assert visibility(stage, mesh_path(stage, "/Root/Cube"), range(1, 4)) == ["inherited"] * 3
    assert getattr(cube, prop) is False and cube.hide_viewport is False


def test_keyed_hide_viewport_does_not_hide_a_render_export(scene, export):
    cube = add_cube("Cube")
    key_switch(cube, "hide_viewport", True, False, 3, 5)
    _, stage = export()
    assert visibility(stage, mesh_path(stage, "/Root/Cube"), range(1, 6)) == ["inherited"] * 5
    hidden = blender_values(cube, "hide_viewport", range(1, 6))
    _, stage = export("viewport.usda", evaluation_mode="VIEWPORT")
    assert visibility(stage, mesh_path(stage, "/Root/Cube"), range(1, 6)) == ["invisible" if h else "inherited"
                                                                               for h in hidden]


def test_keyed_modifier_render_switch_gives_samples(scene, export):
    cube = add_cube("Cube")
    sub = cube.modifiers.new("Sub", "SUBSURF")
    sub.levels, sub.render_levels = 0, 1
    key_switch(sub, "show_render", False, True, 3, 4)
    _, stage = export()
    assert [mesh_points(stage, "/Root/Cube", frame) for frame in range(1, 5)] == [8, 8, 26, 26]


# Emitters, simplify: the render's values, not the viewport's ------------------------------------

def particle_emitter(count=10):
    """A plane emitting `count` particles at frame 1, each an instance of a small cube `Seed`."""
    seed = add_cube("Seed", (0, 0, -5))
    seed.scale = (0.1, 0.1, 0.1)
    bpy.ops.mesh.primitive_plane_add()
    plane = bpy.context.object
    plane.name = "Emitter"
    plane.modifiers.new("Particles", "PARTICLE_SYSTEM")
    settings = plane.particle_systems[0].settings
    settings.count, settings.frame_start, settings.frame_end = count, 1, 1
    settings.physics_type, settings.render_type, settings.instance_object = "NO", "OBJECT", seed
    return plane, settings


def emitter_mesh_and_instances(stage):
    children = stage.GetPrimAtPath("/Root/Emitter").GetChildren()
    meshes = [c for c in children if c.IsA(UsdGeom.Mesh)]
    return len(meshes), len(children) - len(meshes)


@pytest.mark.parametrize("mode", ["RENDER", "VIEWPORT"])
def test_an_emitter_hidden_in_the_mode_is_not_written(scene, export, mode):
    plane, _ = particle_emitter()
    plane.show_instancer_for_render = mode != "RENDER"
    plane.show_instancer_for_viewport = mode == "RENDER"
    _, stage = export(animation=False, evaluation_mode=mode)
    assert emitter_mesh_and_instances(stage) == (0, 10)
    assert (plane.show_instancer_for_render, plane.show_instancer_for_viewport) == (mode != "RENDER", mode == "RENDER")
    plane.show_instancer_for_render = plane.show_instancer_for_viewport = True
    _, stage = export("shown.usda", animation=False, evaluation_mode=mode)
    assert emitter_mesh_and_instances(stage) == (1, 10)


def test_particles_shown_in_part_in_the_viewport_are_all_rendered(scene, export):
    _, settings = particle_emitter(count=20)
    settings.display_percentage = 25
    _, stage = export(animation=False)
    assert emitter_mesh_and_instances(stage) == (1, 20)
    _, stage = export("viewport.usda", animation=False, evaluation_mode="VIEWPORT")
    assert emitter_mesh_and_instances(stage)[1] < 20
    assert settings.display_percentage == 25


def test_child_particles_follow_the_render_amount_and_simplify(scene, export):
    _, settings = particle_emitter(count=2)
    settings.type, settings.render_type, settings.child_type = "HAIR", "OBJECT", "SIMPLE"
    settings.child_percent, settings.rendered_child_count = 2, 3
    scene.render.use_simplify = True
    scene.render.simplify_child_particles, scene.render.simplify_child_particles_render = 0.5, 1.0
    _, stage = export("render.usda", animation=False)
    assert emitter_mesh_and_instances(stage) == (1, 2 * 3)
    _, stage = export("viewport.usda", animation=False, evaluation_mode="VIEWPORT")
    assert emitter_mesh_and_instances(stage) == (1, 2 * 2 // 2)
    assert (settings.child_percent, scene.render.simplify_child_particles) == (2, 0.5)


def test_render_export_uses_the_render_simplify_level(scene, export):
    cube = add_cube("Cube")
    sub = cube.modifiers.new("Sub", "SUBSURF")
    sub.levels = sub.render_levels = 2
    scene.render.use_simplify = True
    scene.render.simplify_subdivision, scene.render.simplify_subdivision_render = 0, 1
    _, stage = export(animation=False)
    assert mesh_points(stage, "/Root/Cube") == 26  # level 1
    _, stage = export("viewport.usda", animation=False, evaluation_mode="VIEWPORT")
    assert mesh_points(stage, "/Root/Cube") == 8
    assert (scene.render.simplify_subdivision, scene.render.simplify_subdivision_render) == (0, 1)


@pytest.mark.parametrize("shown_first", [True, False])
def test_keyed_emitter_visibility_hides_only_the_emitter(scene, export, shown_first):
    plane, _ = particle_emitter(count=4)
    key_switch(plane, "show_instancer_for_render", shown_first, not shown_first, 3, 4)
    _, stage = export()
    shown = blender_values(plane, "show_instancer_for_render", range(1, 5))
    assert shown == [shown_first] * 2 + [not shown_first] * 2
    assert visibility(stage, mesh_path(stage, "/Root/Emitter"), range(1, 5)) == ["inherited" if s else "invisible"
                                                                                  for s in shown]
    assert mesh_points(stage, "/Root/Emitter", 4) == 4
    instances = [c for c in stage.GetPrimAtPath("/Root/Emitter").GetChildren() if not c.IsA(UsdGeom.Mesh)]
    assert len(instances) == 4
    assert all(visibility(stage, i.GetPath(), range(1, 5)) == ["inherited"] * 4 for i in instances)


@pytest.mark.parametrize("hidden_first", [False, True])
@pytest.mark.parametrize("mode,prop", [("RENDER", "hide_render"), ("VIEWPORT", "hide_viewport")])
def test_a_child_stays_visible_and_in_place_while_its_parent_is_hidden(scene, export, mode, prop, hidden_first):
    parent = add_cube("Parent", (1, 0, 0))
    child = add_cube("Child", (0, 2, 0))
    child.parent = parent
    child.matrix_parent_inverse = parent.matrix_world.inverted()
    key_switch(parent, prop, hidden_first, not hidden_first, 3, 4)
    parent.location.x = 1
    parent.keyframe_insert("location", frame=1)
    parent.location.x = 4
    parent.keyframe_insert("location", frame=4)
    _, stage = export(evaluation_mode=mode)
    frames = range(1, 5)
    assert visibility(stage, "/Root/Parent/Child", frames) == ["inherited"] * 4
    hidden = blender_values(parent, prop, frames)
    assert visibility(stage, mesh_path(stage, "/Root/Parent"), frames) == ["invisible" if h else "inherited" for h in hidden]
    for frame in frames:
        scene.frame_set(frame)
        expected = AXIS @ np.array(child.matrix_world)
        assert np.allclose(usd_world(stage.GetPrimAtPath("/Root/Parent/Child"), frame), expected, atol=1e-5), frame


# Names ------------------------------------------------------------------------------------------

def principled_material(name, color=(0.8, 0.8, 0.8)):
    """A material of one Principled BSDF of base colour `color`; returns it, its tree and the BSDF."""
    material = bpy.data.materials.new(name)
    if bpy.app.version < (5, 0, 0):
        material.use_nodes = True
    tree = material.node_tree
    tree.nodes.clear()  # 4.2 starts with a default tree, 5.0 with none
    bsdf = tree.nodes.new("ShaderNodeBsdfPrincipled")
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    tree.links.new(bsdf.outputs[0], tree.nodes.new("ShaderNodeOutputMaterial").inputs["Surface"])
    return material, tree, bsdf


def uv_material(tmp_path, uv_map):
    """A material whose base colour is an image read through the UV map `uv_map`."""
    image = bpy.data.images.new("src", 2, 2)
    image.filepath_raw, image.file_format = str(tmp_path / "decal.png"), "PNG"
    image.save()
    material, tree, bsdf = principled_material("Decal")
    uv = tree.nodes.new("ShaderNodeUVMap")
    uv.uv_map = uv_map
    tex = tree.nodes.new("ShaderNodeTexImage")
    tex.image = image
    tree.links.new(uv.outputs["UV"], tex.inputs["Vector"])
    tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    return material


def test_uv_maps_named_like_reserved_primvars_are_renamed(scene, export, tmp_path):
    bpy.ops.mesh.primitive_plane_add()
    obj = bpy.context.object
    me = obj.data
    reserved = ["displayColor", "normals", "points", "displayOpacity", "widths"]
    for k, name in enumerate(reserved):
        layer = me.uv_layers.new(name=name)
        for i, corner in enumerate(layer.data):
            corner.uv = (k + i * 0.1, -k - i * 0.2)
    me.uv_layers["UVMap"].active_render = True
    colors = me.color_attributes.new("Paint", "FLOAT_COLOR", "CORNER")
    for i, c in enumerate(colors.data):
        c.color = (i / 4.0, 0.5, 0.25, 1.0)
    me.normals_split_custom_set([(0.0, 0.6, 0.8)] * len(me.loops))  # corner normals, unlike the UVs
    obj.data.materials.append(uv_material(tmp_path, "normals"))
    report, stage = export(animation=False)

    mesh = UsdGeom.Mesh(stage.GetPrimAtPath(mesh_path(stage, "/Root/Plane")))
    primvars = UsdGeom.PrimvarsAPI(mesh)
    for name in reserved:
        renamed = primvars.GetPrimvar(name + "_uv")
        assert renamed.GetTypeName() == "texCoord2f[]", name
        assert np.allclose(renamed.ComputeFlattened(), [d.uv for d in me.uv_layers[name].data]), name
    assert not primvars.HasPrimvar("normals") and not primvars.HasPrimvar("points")
    assert np.allclose(mesh.GetNormalsAttr().Get(), [(0.0, 0.6, 0.8)] * 4, atol=1e-3)
    color = mesh.GetDisplayColorPrimvar()
    assert color.GetTypeName() == "color3f[]"
    assert np.allclose(color.Get(), [(i / 4.0, 0.5, 0.25) for i in range(4)], atol=1e-3)
    readers = [p for p in stage.Traverse() if p.GetAttribute("info:id").Get() == "UsdPrimvarReader_float2"]
    assert [UsdShade.Shader(p).GetInput("varname").Get() for p in readers] == ["normals_uv"]
    assert f"Plane: UV map 'normals' is written as primvars:normals_uv, as USD gives primvars:normals " \
           "a meaning of its own" in report.warnings
    assert report.compliant


# Folders and permissions ------------------------------------------------------------------------

def textured_plane(tmp_path):
    """A plane with two textures: an image file on disk and a generated (unsaved) image."""
    bpy.ops.mesh.primitive_plane_add()
    obj = bpy.context.object
    obj.data.materials.append(uv_material(tmp_path, "UVMap"))
    tree = obj.data.materials[0].node_tree
    generated = tree.nodes.new("ShaderNodeTexImage")
    generated.image = bpy.data.images.new("Painted", 2, 2)
    bsdf = next(n for n in tree.nodes if n.type == "BSDF_PRINCIPLED")
    tree.links.new(generated.outputs["Color"], bsdf.inputs["Roughness"])
    return obj


def test_a_file_named_textures_in_the_folder_is_a_clear_error(scene, tmp_path):
    import miris_export
    from miris_export.exporter import ExportError

    textured_plane(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "Textures").write_bytes(b"not a folder")
    with pytest.raises(ExportError, match=r"Textures is a file, not a folder: the textures cannot be written"):
        miris_export.export(str(out / "scene.usdc"))
    assert [p.name for p in out.iterdir()] == ["Textures"]
    assert (out / "Textures").read_bytes() == b"not a folder"
    report = miris_export.export(str(out / "scene.usdz"))  # a package holds its textures: no folder needed
    assert report.prims["Mesh"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["Textures", "scene.usdz"]
    assert (out / "Textures").read_bytes() == b"not a folder"


@pytest.mark.parametrize("umask", [0o022, 0o027], ids=oct)
def test_written_files_get_the_permissions_of_the_umask(scene, tmp_path, umask):
    import zipfile

    import miris_export

    textured_plane(tmp_path)
    old = os.umask(umask)
    try:
        miris_export.export(str(tmp_path / "scene.usda"))
        miris_export.export(str(tmp_path / "scene.usdz"))
    finally:
        os.umask(old)
    textures = tmp_path / "Textures"
    files = [tmp_path / "scene.usda", tmp_path / "scene.usdz"] + sorted(textures.iterdir())
    assert len(files) == 4
    assert {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o666 & ~umask for f in files}
    assert stat.S_IMODE(textures.stat().st_mode) == 0o777 & ~umask
    with zipfile.ZipFile(tmp_path / "scene.usdz") as package:
        assert sorted(package.namelist()) == sorted([f"Textures/{f.name}" for f in files[2:]] + ["scene.usdc"])


def test_data_prims_are_named_after_the_data_whatever_the_modifiers(scene, export):
    body = add_cube("Body")
    body.data.name = "Shape"
    sub = body.modifiers.new("Sub", "SUBSURF")
    sub.levels = sub.render_levels = 1
    twin = body.copy()  # a linked duplicate: the same mesh, its own modifiers
    twin.name = "Twin"
    twin.modifiers.clear()
    scene.collection.objects.link(twin)
    _, stage = export(animation=False)
    assert mesh_path(stage, "/Root/Body") == "/Root/Body/Shape"
    assert mesh_path(stage, "/Root/Twin") == "/Root/Twin/Shape"
    assert (mesh_points(stage, "/Root/Body"), mesh_points(stage, "/Root/Twin")) == (26, 8)


# Hidden in several ways -------------------------------------------------------------------------

def test_a_collection_hidden_with_the_eye_is_left_out_of_viewport_exports_only(scene, export):
    from helpers import new_collection

    add_cube("Shown")
    eyed = add_cube("Eyed", (2, 0, 0))
    both = add_cube("InBoth", (4, 0, 0))
    new_collection(scene, "Hidden", eyed, both)
    new_collection(scene, "Visible").objects.link(both)  # also in a collection the eye shows
    bpy.context.view_layer.layer_collection.children["Hidden"].hide_viewport = True

    def exported(stage):
        return sorted(p.GetName() for p in stage.GetPrimAtPath("/Root").GetChildren() if p.GetName() != "DefaultLight")

    _, stage = export("viewport.usda", animation=False, evaluation_mode="VIEWPORT")
    assert exported(stage) == ["InBoth", "Shown"]
    _, stage = export("render.usda", animation=False)
    assert exported(stage) == ["Eyed", "InBoth", "Shown"]
    _, stage = export("all.usda", animation=False, evaluation_mode="VIEWPORT", visible_only=False)
    assert exported(stage) == ["Eyed", "InBoth", "Shown"]
    assert bpy.context.view_layer.layer_collection.children["Hidden"].hide_viewport


@pytest.mark.parametrize("mode", ["RENDER", "VIEWPORT"])
def test_objects_hidden_in_several_ways_follow_the_mode(scene, export, mode):
    from helpers import new_collection

    cases = {  # name: (hide_viewport, hide_render, hide_set, collection hide_viewport, collection hide_render)
        "Plain": (False, False, False, False, False),
        "NoRender": (False, True, False, False, False),
        "NoViewport": (True, False, False, False, False),
        "HiddenHere": (False, False, True, False, False),
        "HiddenEverywhere": (True, True, True, False, False),
        "InNoRender": (False, False, False, False, True),
        "InNoViewport": (False, False, False, True, False),
        "HiddenHereInNoRender": (False, False, True, False, True),
    }
    for i, (name, (viewport, render, here, col_viewport, col_render)) in enumerate(cases.items()):
        obj = add_cube(name, (2 * i, 0, 0))
        obj.hide_viewport, obj.hide_render = viewport, render
        if col_viewport or col_render:
            collection = new_collection(scene, "C" + name, obj)
            collection.hide_viewport, collection.hide_render = col_viewport, col_render
        obj.hide_set(here)
    _, stage = export(animation=False, evaluation_mode=mode)
    written = {p.GetName() for p in stage.GetPrimAtPath("/Root").GetChildren()} - {"DefaultLight"}
    if mode == "RENDER":  # only the render switches count
        expected = {n for n, (_, render, _, _, col_render) in cases.items() if not (render or col_render)}
    else:
        expected = {n for n, (viewport, _, here, col_viewport, _) in cases.items()
                    if not (viewport or here or col_viewport)}
    assert written == expected
    for name, (viewport, render, here, _, _) in cases.items():  # the scene is left as it was
        obj = bpy.data.objects[name]
        assert (obj.hide_viewport, obj.hide_render, obj.hide_get()) == (viewport, render, here), name


def test_zero_scale_objects_and_their_children_keep_blenders_transforms(scene, export):
    parent = add_cube("Flat", (1, 2, 3))
    parent.scale = (1, 0, 1)
    point = add_cube("Point", (0, 0, 1))
    point.scale = (0, 0, 0)
    child = add_cube("Child", (0, 1, 0))
    child.parent = parent
    grandchild = add_cube("Grandchild", (1, 1, 1))
    grandchild.parent = point
    bpy.context.view_layer.update()
    _, stage = export(animation=False)
    paths = {parent: "/Root/Flat", point: "/Root/Point", child: "/Root/Flat/Child",
             grandchild: "/Root/Point/Grandchild"}
    for obj, path in paths.items():
        expected = AXIS @ np.array(obj.matrix_world)
        assert np.allclose(usd_world(stage.GetPrimAtPath(path), Usd.TimeCode.Default()), expected, atol=1e-6), path


def test_a_parent_scaled_to_zero_at_one_frame_keeps_blenders_transforms(scene, export):
    """Over frames, the frame where the parent is flat cannot be solved for its child: that pair is
    made relative with a pseudo-inverse; the other frames and a sibling pair keep exact solves."""
    parent = add_cube("Flat", (1, 2, 3))
    child = add_cube("Child", (0, 1, 0))
    child.parent = parent
    other = add_cube("Other", (2, 0, 0))
    other_child = add_cube("OtherChild", (0, 0, 1))
    other_child.parent = other
    scene.frame_start, scene.frame_end = 1, 3
    for frame, size in ((1, 1.0), (2, 0.0), (3, 2.0)):
        parent.scale = (1, size, 1)
        parent.keyframe_insert("scale", frame=frame)
        other.location.x = frame
        other.keyframe_insert("location", frame=frame)
    _, stage = export()
    paths = {parent: "/Root/Flat", child: "/Root/Flat/Child", other: "/Root/Other",
             other_child: "/Root/Other/OtherChild"}
    for frame in range(1, 4):
        scene.frame_set(frame)
        for obj, path in paths.items():
            expected = AXIS @ np.array(obj.matrix_world)
            assert np.allclose(usd_world(stage.GetPrimAtPath(path), frame), expected, atol=1e-6), (frame, path)


def test_a_transform_that_is_not_a_number_is_reported(scene, export):
    add_cube("Fine")
    broken = add_cube("Broken", (1, 0, 0))
    broken.location.y = float("nan")  # what a driver dividing by zero gives
    report, stage = export(animation=False)
    assert "/Root/Broken: its transform is not finite (NaN or infinite) at 1 frame(s); written as it is" \
        in report.warnings
    assert not [w for w in report.warnings if w.startswith("/Root/Fine")]


def test_odd_object_names_give_valid_unique_stable_prims(scene, export):
    from pxr import Sdf

    names = ["Cube", "cube", "Würfel", "W_rfel", "3D Model", "名前", "名字", "A" * 63, "é" * 31, "_", ".", "Root"]
    for i, name in enumerate(names):
        add_cube(name, (3 * i, 0, 0))
    assert sorted(o.name for o in scene.objects) == sorted(names)  # Blender kept every name as given

    def prims_by_object(stage):
        """Blender object name -> prim name, told apart by where each object stands."""
        found = {}
        for prim in stage.GetPrimAtPath("/Root").GetChildren():
            if prim.GetName() == "DefaultLight":
                continue
            x = usd_world(prim, Usd.TimeCode.Default())[0, 3]
            found[names[round(x / 3)]] = prim.GetName()
        return found

    _, first = export("a.usda", animation=False)
    _, second = export("b.usda", animation=False)
    mapping = prims_by_object(first)
    assert mapping == prims_by_object(second)
    assert sorted(mapping) == sorted(names)  # every object, once
    assert len(set(mapping.values())) == len(names)
    assert all(Sdf.Path.IsValidIdentifier(n) and n.isascii() for n in mapping.values())
    assert (mapping["Cube"], mapping["cube"], mapping["3D Model"], mapping["Root"]) == ("Cube", "cube", "_3D_Model", "Root")


def test_materials_and_uv_maps_whose_names_sanitize_alike_stay_apart(scene, export, tmp_path):
    colors = {"Paint.001": (0.1, 0.2, 0.3), "Paint_001": (0.4, 0.5, 0.6), "Paint 001": (0.7, 0.8, 0.9)}
    for i, (name, color) in enumerate(colors.items()):
        obj = add_cube(f"C{i}", (2 * i, 0, 0))
        obj.data = obj.data.copy()
        obj.data.materials.append(principled_material(name, color)[0])
    plane = add_cube("Decal", (0, 5, 0))
    for k, name in enumerate(["Map.1", "Map_1", "Map 1"]):
        layer = plane.data.uv_layers.new(name=name)
        for i, corner in enumerate(layer.data):
            corner.uv = (k, i * 0.01)
    plane.data.materials.append(uv_material(tmp_path, "Map_1"))
    _, stage = export(animation=False)
    for i, color in enumerate(colors.values()):
        bound, _ = UsdShade.MaterialBindingAPI(stage.GetPrimAtPath(mesh_path(stage, f"/Root/C{i}"))).ComputeBoundMaterial()
        diffuse = UsdShade.Shader(stage.GetPrimAtPath(bound.GetPath().AppendChild("PreviewSurface")))
        assert np.allclose(diffuse.GetInput("diffuseColor").Get(), color), i
    [reader] = [p for p in stage.Traverse() if p.GetAttribute("info:id").Get() == "UsdPrimvarReader_float2"]
    varname = UsdShade.Shader(reader).GetInput("varname").Get()
    primvar = UsdGeom.PrimvarsAPI(stage.GetPrimAtPath(mesh_path(stage, "/Root/Decal"))).GetPrimvar(varname)
    assert np.allclose(primvar.ComputeFlattened(), [d.uv for d in plane.data.uv_layers["Map_1"].data])


def vertex_instancer():
    """A plane instancing its child, a small cube, on its four vertices."""
    bpy.ops.mesh.primitive_plane_add()
    plane = bpy.context.object
    plane.name = "Instancer"
    seed = add_cube("Seed", (0, 0, 0))
    seed.scale = (0.1, 0.1, 0.1)
    seed.parent = plane
    plane.instance_type = "VERTS"
    return plane


def node_instancer():
    """A plane whose geometry nodes put a cube on each of its vertices, beside the plane itself."""
    bpy.ops.mesh.primitive_plane_add()
    plane = bpy.context.object
    plane.name = "Instancer"
    tree = bpy.data.node_groups.new("Scatter", "GeometryNodeTree")
    tree.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    tree.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    nodes, links = tree.nodes, tree.links
    source, out = nodes.new("NodeGroupInput"), nodes.new("NodeGroupOutput")
    scatter, cube, join = (nodes.new("GeometryNodeInstanceOnPoints"), nodes.new("GeometryNodeMeshCube"),
                           nodes.new("GeometryNodeJoinGeometry"))
    cube.inputs["Size"].default_value = (0.1, 0.1, 0.1)
    links.new(source.outputs[0], scatter.inputs["Points"])
    links.new(cube.outputs[0], scatter.inputs["Instance"])
    links.new(scatter.outputs[0], join.inputs[0])
    links.new(source.outputs[0], join.inputs[0])
    links.new(join.outputs[0], out.inputs[0])
    plane.modifiers.new("Scatter", "NODES").node_group = tree
    return plane


@pytest.mark.parametrize("make", [vertex_instancer, node_instancer], ids=["vertices", "nodes"])
@pytest.mark.parametrize("mode", ["RENDER", "VIEWPORT"])
def test_an_instancer_hidden_in_the_mode_keeps_its_instances(scene, export, make, mode):
    plane = make()
    depsgraph = bpy.context.evaluated_depsgraph_get()
    expected = sorted(tuple(np.round(np.array(i.matrix_world)[:3, 3], 5)) for i in depsgraph.object_instances
                      if i.is_instance and i.parent.name == "Instancer" and i.object.type == "MESH"
                      and not np.allclose(np.array(i.matrix_world)[:3, 3], 0))
    assert len(expected) == 4
    setattr(plane, "show_instancer_for_render" if mode == "RENDER" else "show_instancer_for_viewport", False)
    _, stage = export(animation=False, evaluation_mode=mode)
    instancer = stage.GetPrimAtPath("/Root/Instancer")
    assert not [c for c in instancer.GetChildren() if c.IsA(UsdGeom.Mesh)]  # the plane itself is hidden
    placed = sorted(tuple(np.round((np.linalg.inv(AXIS) @ usd_world(c, Usd.TimeCode.Default()))[:3, 3], 5))
                    for c in instancer.GetChildren() if c.IsA(UsdGeom.Xform) and c.GetName() != "Seed")
    assert placed == expected


def test_instances_hide_with_their_keyed_instancer(scene, export):
    from helpers import new_collection

    new_collection(scene, "Set", add_cube("Piece"))
    bpy.context.view_layer.layer_collection.children["Set"].exclude = True
    bpy.ops.object.collection_instance_add(collection="Set", location=(2, 0, 0))
    empty = bpy.context.object
    key_switch(empty, "hide_render", False, True, 3, 4)
    hidden = blender_values(empty, "hide_render", range(1, 5))
    _, stage = export()
    assert visibility(stage, mesh_path(stage, "/Root/Set/Piece"), range(1, 5)) == ["invisible" if h else "inherited"
                                                                                   for h in hidden]
    assert np.allclose(usd_world(stage.GetPrimAtPath("/Root/Set/Piece"), 1)[:3, 3], (2, 0, 0))


def test_a_linked_duplicate_keeps_its_own_object_linked_material(scene, export):
    first = add_cube("First")
    first.data.materials.append(principled_material("Red", (1, 0, 0))[0])
    second = first.copy()  # shares the mesh
    second.name = "Second"
    scene.collection.objects.link(second)
    second.material_slots[0].link = "OBJECT"
    second.material_slots[0].material = principled_material("Blue", (0, 0, 1))[0]
    _, stage = export(animation=False)
    for name, color in (("First", (1, 0, 0)), ("Second", (0, 0, 1))):
        bound, _ = UsdShade.MaterialBindingAPI(stage.GetPrimAtPath(mesh_path(stage, f"/Root/{name}"))).ComputeBoundMaterial()
        surface = UsdShade.Shader(stage.GetPrimAtPath(bound.GetPath().AppendChild("PreviewSurface")))
        assert np.allclose(surface.GetInput("diffuseColor").Get(), color), name


@pytest.mark.parametrize("mode", ["RENDER", "VIEWPORT"])
def test_a_child_of_a_hidden_parent_is_exported_in_place(scene, export, mode):
    parent = add_cube("Parent", (1, 2, 3))
    parent.rotation_euler = (0.3, 0.0, 1.0)
    parent.scale = (2.0, 1.0, 1.0)
    child = add_cube("Child", (0, 1, 0))
    child.parent = parent
    if mode == "RENDER":
        parent.hide_render = True
    else:
        parent.hide_set(True)
    bpy.context.view_layer.update()
    _, stage = export(animation=False, evaluation_mode=mode)
    assert not stage.GetPrimAtPath("/Root/Parent")
    expected = AXIS @ np.array(child.matrix_world)
    assert np.allclose(usd_world(stage.GetPrimAtPath("/Root/Child"), Usd.TimeCode.Default()), expected, atol=1e-6)
