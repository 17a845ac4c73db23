"""Instancing: each distinct instanced or shared mesh written once, every copy an instanceable reference.

Each test compares the composed stage (instance proxies included) with what Blender renders: one
mesh per instance, at the same world bounds, with the same bound material."""
import bpy
import numpy as np
import pytest
from pxr import Sdf, Usd, UsdGeom, UsdShade

from helpers import AXIS, new_collection

TOLERANCE = 1e-5


# --- what Blender renders, and what the file composes -------------------------------------------------------
def _corners(low, high):
    return np.array([[x, y, z, 1.0] for x in (low[0], high[0]) for y in (low[1], high[1]) for z in (low[2], high[2])])


def blender_meshes():
    """[(world bounds (min, max) in Y up, bound material name)] of every mesh the evaluated depsgraph
    draws, instances included; bounds are those of the local box, as USD computes them."""
    found = []
    for inst in bpy.context.evaluated_depsgraph_get().object_instances:
        obj = inst.object
        if obj.type != "MESH" or not len(obj.data.polygons) or not (inst.is_instance or inst.show_self):
            continue
        positions = np.empty(len(obj.data.vertices) * 3, np.float32)
        obj.data.vertices.foreach_get("co", positions)
        positions = positions.reshape(-1, 3).astype(np.float64)
        world = (AXIS @ np.array(inst.matrix_world) @ _corners(positions.min(0), positions.max(0)).T).T[:, :3]
        materials = [slot.material for slot in obj.material_slots if slot.material is not None]
        found.append(((world.min(0), world.max(0)), materials[0].name if materials else None))
    return found


def usd_meshes(stage, time=Usd.TimeCode.Default()):
    """The same for the visible Mesh prims of the composed stage, through instance proxies."""
    cache = UsdGeom.BBoxCache(time, [UsdGeom.Tokens.default_, UsdGeom.Tokens.render])
    found = []
    for prim in stage.Traverse(Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate)):
        if not prim.IsA(UsdGeom.Mesh) or UsdGeom.Imageable(prim).ComputeVisibility(time) == "invisible":
            continue
        box = cache.ComputeWorldBound(prim).ComputeAlignedRange()
        material = UsdShade.MaterialBindingAPI(prim).ComputeBoundMaterial()[0]
        found.append(((np.array(box.GetMin()), np.array(box.GetMax())),
                      material.GetPrim().GetName() if material else None))
    return found


def assert_same_meshes(stage, time=Usd.TimeCode.Default()):
    expected, written = blender_meshes(), usd_meshes(stage, time)
    assert len(written) == len(expected)

    def order(items):
        return sorted(items, key=lambda item: (tuple(np.round(item[0][0], 4)), tuple(np.round(item[0][1], 4))))

    for (bounds, material), (usd_bounds, usd_material) in zip(order(expected), order(written)):
        assert np.allclose(bounds[0], usd_bounds[0], atol=TOLERANCE)
        assert np.allclose(bounds[1], usd_bounds[1], atol=TOLERANCE)
        assert usd_material == (None if material is None else material.replace(".", "_"))
    return len(written)


def layer_meshes(stage):
    """The Mesh prims written in the file itself (not composed)."""
    found = []

    def visit(path):
        if path.IsPrimPath() and stage.GetRootLayer().GetPrimAtPath(path).typeName == "Mesh":
            found.append(path)

    stage.GetRootLayer().Traverse(Sdf.Path.absoluteRootPath, visit)
    return found


def copies(stage):
    return [p for p in stage.Traverse() if p.IsInstance()]


# --- scene building ------------------------------------------------------------------------------------------
def material(name, color):
    mat = bpy.data.materials.new(name)
    mat.diffuse_color = (*color, 1.0)
    return mat


def add_mesh(kind, name, location=(0, 0, 0), mat=None, **kwargs):
    getattr(bpy.ops.mesh, f"primitive_{kind}_add")(location=location, **kwargs)
    obj = bpy.context.object
    obj.name = obj.data.name = name
    if mat is not None:
        obj.data.materials.append(mat)
    return obj


def node_group(name):
    tree = bpy.data.node_groups.new(name, "GeometryNodeTree")
    tree.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    tree.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    return tree, tree.nodes.new("NodeGroupInput"), tree.nodes.new("NodeGroupOutput")


def scatter(name, points_of, *sources, seed=0):
    """A geometry-nodes object instancing `sources` (objects) on the points of a mesh made by
    `points_of(tree)` (an output socket), each picked at random, randomly rotated and scaled."""
    tree, _, out = node_group(name)
    nodes, links = tree.nodes, tree.links
    collection = bpy.data.collections.new(f"{name}Sources")
    for source in sources:
        collection.objects.link(source)
    info = nodes.new("GeometryNodeCollectionInfo")
    info.inputs["Collection"].default_value = collection
    info.inputs["Separate Children"].default_value = True
    info.inputs["Reset Children"].default_value = True
    place = nodes.new("GeometryNodeInstanceOnPoints")
    place.inputs["Pick Instance"].default_value = True
    links.new(points_of(tree), place.inputs["Points"])
    links.new(info.outputs[0], place.inputs["Instance"])
    pick = nodes.new("FunctionNodeRandomValue")
    pick.data_type = "INT"
    pick.inputs["Min"].default_value, pick.inputs["Max"].default_value = 0, len(sources) - 1
    pick.inputs["Seed"].default_value = seed
    links.new(pick.outputs["Value"], place.inputs["Instance Index"])
    rotation = nodes.new("FunctionNodeRandomValue")
    rotation.data_type = "FLOAT_VECTOR"
    rotation.inputs["Max"].default_value = (3.0, 3.0, 3.0)
    links.new(rotation.outputs["Value"], place.inputs["Rotation"])
    scale = nodes.new("FunctionNodeRandomValue")
    scale.inputs[2].default_value, scale.inputs[3].default_value = 0.2, 0.6  # float Min, Max
    links.new(scale.outputs[1], place.inputs["Scale"])
    links.new(place.outputs[0], out.inputs[0])
    mesh = bpy.data.meshes.new(name)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.modifiers.new("Scatter", "NODES").node_group = tree
    return obj


def grid_points(count):
    def make(tree):
        grid = tree.nodes.new("GeometryNodeMeshGrid")
        grid.inputs["Size X"].default_value = grid.inputs["Size Y"].default_value = 8.0
        grid.inputs["Vertices X"].default_value = grid.inputs["Vertices Y"].default_value = count
        return grid.outputs["Mesh"]
    return make


def hidden_sources(scene, *objects):
    """Sources in a collection excluded from the view layer: Blender draws only their instances."""
    collection = new_collection(scene, "Sources", *objects)
    bpy.context.view_layer.layer_collection.children[collection.name].exclude = True
    return collection


# --- tests ---------------------------------------------------------------------------------------------------
def test_collection_instances_share_one_prototype_per_mesh(scene, export):
    red, blue = material("Red", (1, 0, 0)), material("Blue", (0, 0, 1))
    parts = hidden_sources(scene, add_mesh("cube", "Box", (0, 0, 1), red),
                           add_mesh("ico_sphere", "Ball", (2, 0, 0), blue))
    for i in range(3):
        spawn = bpy.data.objects.new(f"Spawn{i}", None)
        spawn.instance_type, spawn.instance_collection = "COLLECTION", parts
        spawn.location, spawn.rotation_euler, spawn.scale = (i * 5.0, i, 0), (0.3 * i, 0, 0.5), (1, 1 + i, 1)
        scene.collection.objects.link(spawn)
    report, stage = export(animation=False)
    assert report.compliant, report.findings
    assert assert_same_meshes(stage) == 6
    assert len(layer_meshes(stage)) == 2
    assert len(copies(stage)) == 6
    # The prototypes' holder draws nothing; the copies do.
    holder = stage.GetPrimAtPath("/Root/Prototypes")
    assert UsdGeom.Imageable(holder).ComputeVisibility() == "invisible"
    assert all(UsdGeom.Imageable(c).ComputeVisibility() == "inherited" for c in copies(stage))


def test_instancing_off_writes_real_copies(scene, export):
    parts = hidden_sources(scene, add_mesh("cube", "Box", (0, 0, 1)))
    for i in range(3):
        spawn = bpy.data.objects.new(f"Spawn{i}", None)
        spawn.instance_type, spawn.instance_collection = "COLLECTION", parts
        spawn.location = (i * 5.0, 0, 0)
        scene.collection.objects.link(spawn)
    report, stage = export(animation=False, instancing=False)
    assert report.compliant
    assert assert_same_meshes(stage) == 3
    assert len(layer_meshes(stage)) == 3 and not copies(stage)
    assert not stage.GetPrimAtPath("/Root/Prototypes")


def test_geometry_node_instances_share_prototypes(scene, export):
    red = material("Red", (1, 0, 0))
    sources = (add_mesh("cone", "Spike", mat=red), add_mesh("ico_sphere", "Pebble", subdivisions=1),
               add_mesh("cube", "Block"))
    hidden_sources(scene, *sources)
    scatter("Field", grid_points(5), *sources)
    report, stage = export(animation=False)
    assert report.compliant, report.findings
    assert assert_same_meshes(stage) == 25
    assert len(layer_meshes(stage)) == 3


def test_nested_geometry_node_instances(scene, export):
    pebble = add_mesh("ico_sphere", "Pebble", subdivisions=1)
    hidden_sources(scene, pebble)
    cluster = scatter("Cluster", grid_points(2), pebble, seed=3)  # 4 pebbles
    bpy.context.scene.collection.objects.unlink(cluster)
    hidden_sources(scene, cluster).name = "Clusters"
    scatter("Field", grid_points(3), cluster, seed=5)  # 9 clusters of 4 pebbles
    report, stage = export(animation=False)
    assert report.compliant, report.findings
    assert assert_same_meshes(stage) == 36
    assert len(layer_meshes(stage)) == 1


def test_linked_duplicates_with_and_without_modifiers(scene, export):
    base = add_mesh("cube", "Shared")
    data = base.data
    objects = [base]
    for i, levels in enumerate((None, 1, 1, 2)):
        obj = bpy.data.objects.new(f"Copy{i}", data)
        obj.location = (3.0 * (i + 1), 0, 0)
        obj.rotation_euler.z = 0.4 * i
        scene.collection.objects.link(obj)
        if levels is not None:
            obj.modifiers.new("Subdivision", "SUBSURF").render_levels = levels
        objects.append(obj)
    report, stage = export(animation=False)
    assert report.compliant, report.findings
    assert assert_same_meshes(stage) == 5
    # Shared + Copy0 share the data; Copy1 and Copy2 evaluate alike; Copy2's level makes it its own.
    assert len(layer_meshes(stage)) == 3
    assert sorted(c.GetName() for c in copies(stage)) == ["Copy0", "Copy1", "Copy2", "Shared"]
    # Each prototype is named after the mesh data-block, also one whose mesh modifiers made.
    assert sorted(str(path) for path in layer_meshes(stage)) == [
        "/Root/Copy3/Shared", "/Root/Prototypes/Shared/Shared", "/Root/Prototypes/Shared_1/Shared"]


def test_object_linked_material_gets_its_own_prototype(scene, export):
    red, green = material("Red", (1, 0, 0)), material("Green", (0, 1, 0))
    first = add_mesh("cube", "Plain", mat=red)
    for i, linked in enumerate((None, None, green)):
        obj = bpy.data.objects.new(f"Dup{i}", first.data)
        obj.location = (3.0 * (i + 1), 0, 0)
        scene.collection.objects.link(obj)
        if linked is not None:
            obj.material_slots[0].link = "OBJECT"
            obj.material_slots[0].material = linked
    report, stage = export(animation=False)
    assert report.compliant, report.findings
    assert assert_same_meshes(stage) == 4
    assert len(layer_meshes(stage)) == 1 + 1  # Plain, Dup0, Dup1 share; Dup2 (green) stands alone
    green_meshes = [m for _, m in usd_meshes(stage) if m == "Green"]
    assert len(green_meshes) == 1


def test_particle_instances_as_their_count_changes(scene, export):
    pebble = add_mesh("ico_sphere", "Pebble", subdivisions=1)
    hidden_sources(scene, pebble)
    emitter = add_mesh("plane", "Emitter", size=4)
    emitter.modifiers.new("Particles", "PARTICLE_SYSTEM")
    settings = emitter.particle_systems[0].settings
    settings.count, settings.frame_start, settings.frame_end, settings.lifetime = 12, 2, 5, 100
    # Still particles: where one born within a frame sits depends on Blender's particle cache (a fresh
    # evaluation and a cached one differ), not on the export.
    settings.normal_factor, settings.effector_weights.gravity = 0.0, 0.0
    settings.render_type, settings.instance_object, settings.particle_size = "OBJECT", pebble, 0.2
    settings.use_rotations, settings.rotation_mode = True, "NONE"  # not turned by velocity
    emitter.show_instancer_for_render = emitter.show_instancer_for_viewport = False
    scene.frame_start, scene.frame_end = 1, 6
    report, stage = export()
    assert report.compliant, report.findings
    assert len(layer_meshes(stage)) == 1
    counts = []
    for frame in range(1, 7):
        scene.frame_set(frame)
        counts.append(assert_same_meshes(stage, frame))
    assert counts[0] == 0 and counts[1] < counts[-1] == 12


def test_prototype_geometry_animates_once(scene, export):
    wobble = add_mesh("grid", "Wobble", x_subdivisions=6, y_subdivisions=6)
    wave = wobble.modifiers.new("Wave", "WAVE")
    wave.height, wave.speed = 0.5, 0.2
    hidden_sources(scene, wobble)
    scatter("Field", grid_points(3), wobble)
    scene.frame_start, scene.frame_end = 1, 4
    report, stage = export()
    assert report.compliant, report.findings
    (prototype,) = layer_meshes(stage)
    points = UsdGeom.Mesh(stage.GetPrimAtPath(prototype)).GetPointsAttr()
    assert points.GetNumTimeSamples() >= 2
    for frame in range(1, 5):
        scene.frame_set(frame)
        assert assert_same_meshes(stage, frame) == 9


def test_validator_sees_through_instances_once(tmp_path):
    """A prim the specification rejects inside a prototype is reported once, and a reference to a
    prim the file lacks is an error."""
    from miris_export.validate import validate_file

    path = tmp_path / "bad.usda"
    path.write_text("""#usda 1.0
(
    defaultPrim = "Root"
    metersPerUnit = 1
    upAxis = "Y"
)
def Xform "Root"
{
    def DistantLight "Sun" {}
    def Scope "Prototypes"
    {
        token visibility = "invisible"
        def Xform "Thing"
        {
            def Cube "Box" {}
        }
    }
    def Xform "A" (
        instanceable = true
        prepend references = </Root/Prototypes/Thing>
    ) {}
    def Xform "B" (
        instanceable = true
        prepend references = </Root/Prototypes/Thing>
    ) {}
    def Xform "C" (
        instanceable = true
        prepend references = </Root/Nowhere>
    ) {}
}
""")
    findings = validate_file(path)
    cube = [f for f in findings if f.rule == "miris:PrimType"]
    assert len(cube) == 2  # the prototype's source and one copy, not each copy
    assert {f.path for f in cube} <= {"/Root/Prototypes/Thing/Box", "/Root/A/Box", "/Root/B/Box"}
    broken = [f for f in findings if f.rule == "miris:InternalReference"]
    assert [f.path for f in broken] == ["/Root/C"]
    assert not [f for f in findings if f.rule == "miris:AssetResolves"]


def test_blender_importer_reads_the_copies(scene, export, tmp_path):
    sources = (add_mesh("cone", "Spike"), add_mesh("cube", "Block"))
    hidden_sources(scene, *sources)
    scatter("Field", grid_points(3), *sources)
    expected = len(blender_meshes())
    export("out.usdc", animation=False)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.usd_import(filepath=str(tmp_path / "out.usdc"))
    # The importer makes instanceable prims collection instances: count what it draws.
    assert expected == 9 and len(blender_meshes()) == expected


CORPUS_WITH_INSTANCES = ["02_shared_mesh.blend", "22_simple_GN.blend", "25_mesh_instances_apply_modifier.blend",
                         "32_gpu_instancing_with_instancing.blend", "gn_nested_instances.blend"]


@pytest.mark.corpus
@pytest.mark.skipif(bpy.app.version < (5, 0, 0), reason="the corpus was saved by Blender 5.x")
@pytest.mark.parametrize("name", CORPUS_WITH_INSTANCES)
def test_corpus_instances_are_shared(name, corpus_scene, tmp_path):
    import miris_export
    from miris_export.blender.evaluation import evaluation

    bpy.ops.wm.open_mainfile(filepath=str(corpus_scene(name)))
    scene = bpy.context.scene
    report = miris_export.export(str(tmp_path / "scene.usdc"), animation=False)
    assert report.compliant, [str(f) for f in report.errors]
    stage = Usd.Stage.Open(report.filepath)
    with evaluation(scene, bpy.context.view_layer, "RENDER"):
        drawn = assert_same_meshes(stage)
    assert len(layer_meshes(stage)) < drawn


def test_vertex_instancing(scene, export):
    carrier = add_mesh("ico_sphere", "Carrier", subdivisions=1, radius=4)
    carrier.instance_type = "VERTS"
    carrier.use_instance_vertices_rotation = True
    child = add_mesh("cone", "Spike", (0, 0, 0), material("Red", (1, 0, 0)), radius1=0.3, depth=1)
    child.parent = carrier
    report, stage = export(animation=False)
    assert report.compliant, report.findings
    # A spike on each of the 12 vertices, the carrier, and the spike itself (Blender draws it too).
    assert assert_same_meshes(stage) == 14
    # The carrier, the spike (a real object keeps its own mesh) and one prototype for its 12 instances.
    assert len(layer_meshes(stage)) == 3 and len(copies(stage)) == 12


@pytest.mark.parametrize("subdivided", [True, False])  # the first copy's own mesh may or may not change
def test_linked_duplicates_whose_modifiers_part_ways_are_reported(scene, export, subdivided):
    names = ("Shared", "Round", "Ball")
    for i, (kind, name) in enumerate(zip(("cube", "cylinder", "uv_sphere"), names)):
        first = add_mesh(kind, name, location=(0, 4 * i, 0))
        second = bpy.data.objects.new(f"{name}Copy", first.data)
        second.location = (4, 4 * i, 0)
        scene.collection.objects.link(second)
        for obj in (first, second) if subdivided else ():
            obj.modifiers.new("Subdivision", "SUBSURF").levels = 1
        twist = second.modifiers.new("Twist", "SIMPLE_DEFORM")
        twist.angle = 0.0
        twist.keyframe_insert("angle", frame=1)
        twist.angle = 1.0
        twist.keyframe_insert("angle", frame=3)
    scene.frame_start, scene.frame_end = 1, 3
    report, stage = export(evaluation_mode="VIEWPORT")
    assert len(layer_meshes(stage)) == 3  # each pair alike at the first frame: one prototype
    # From frame 2 one of each pair shows the other's geometry: said once.
    lines = sorted(w for w in report.warnings if "its modifiers no longer give the geometry" in w)
    assert len(lines) == 3
    for line, name in zip(lines, sorted(names)):
        assert line in (f"{copy}: its modifiers no longer give the geometry of the other copies of {name} at frame 2; "
                        "it shows theirs" for copy in (name, f"{name}Copy"))


def test_linked_duplicate_with_keyed_visibility_keeps_its_own_mesh(scene, export):
    base = add_mesh("cube", "Shared")
    for i in range(2):
        obj = bpy.data.objects.new(f"Copy{i}", base.data)
        obj.location.x = 3.0 * (i + 1)
        scene.collection.objects.link(obj)
    flicker = scene.objects["Copy1"]
    flicker.hide_render = False
    flicker.keyframe_insert("hide_render", frame=1)
    flicker.hide_render = True
    flicker.keyframe_insert("hide_render", frame=3)
    scene.frame_start, scene.frame_end = 1, 4
    report, stage = export()
    assert report.compliant, report.findings
    # Shared and Copy0 share a prototype; Copy1, hidden from frame 3, keeps its mesh to hide it.
    assert len(layer_meshes(stage)) == 2
    assert sorted(c.GetName() for c in copies(stage)) == ["Copy0", "Shared"]
    shown = []
    for frame in range(1, 5):
        scene.frame_set(frame)
        written = [bounds for bounds, _ in usd_meshes(stage, frame)]
        shown.append(any(np.allclose(low, (5, -1, -1)) for low, _ in written))  # Copy1, x 5..7
        assert len(written) == 2 + shown[-1]
        assert shown[-1] == (not flicker.hide_render)  # as Blender renders it at that frame
    assert shown == [True, True, False, False]


def test_custom_properties_of_shared_data_are_on_the_prototype(scene, export):
    first = add_mesh("cube", "Shared")
    first["role"] = "first"
    first.data["surface"] = "rough"
    second = bpy.data.objects.new("Other", first.data)
    second["role"] = "second"
    second.location.x = 4
    scene.collection.objects.link(second)
    _, stage = export(animation=False)
    (prototype,) = layer_meshes(stage)
    assert stage.GetPrimAtPath(prototype).GetCustomDataByKey("userProperties") == {"surface": "rough"}
    for name, role in (("Shared", "first"), ("Other", "second")):
        assert stage.GetPrimAtPath(f"/Root/{name}").GetCustomDataByKey("userProperties") == {"role": role}


def test_a_copy_that_fails_is_left_out_and_the_others_kept(scene, tmp_path, monkeypatch):
    """The first copy of "Bad" met meets a writer that cannot handle it: it is left out, and the
    copies named before and after it in the file are written all the same."""
    import miris_export
    from miris_export import writers
    from miris_export.writers.mesh import MeshWriter

    class FailingMeshWriter(MeshWriter):  # a writer of ours that meets data it cannot handle
        def write(self, ctx, time):
            if ctx.object.original.data.name == "Bad":
                raise ValueError("cannot handle this mesh")
            super().write(ctx, time)

    monkeypatch.setitem(writers.DATA_WRITERS, "MESH", FailingMeshWriter)
    add_mesh("cube", "Good")
    for name, data, x in (("Alpha", "Good", 3), ("Zulu", "Good", 6), ("Mike", "Bad", 9), ("November", "Bad", 12)):
        obj = bpy.data.objects.new(name, bpy.data.meshes.get(data) or bpy.data.meshes.new(data))
        obj.location.x = x
        scene.collection.objects.link(obj)
    bpy.data.meshes["Bad"].from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    report = miris_export.export(str(tmp_path / "out.usda"), animation=False)
    failed = [w.split(":")[0] for w in report.warnings if "could not be exported" in w]
    assert failed in (["Mike"], ["November"]) and "cannot handle this mesh" in "".join(report.warnings)
    stage = Usd.Stage.Open(report.filepath)
    assert not stage.GetPrimAtPath(f"/Root/{failed[0]}")
    kept = {"Good", "Alpha", "Zulu", "Mike", "November"} - set(failed)
    assert sorted(c.GetName() for c in copies(stage)) == sorted(kept)


def test_a_copy_whose_transform_is_not_a_number_is_reported(scene, export):
    first = add_mesh("cube", "Shared")
    broken = bpy.data.objects.new("Broken", first.data)
    scene.collection.objects.link(broken)
    broken.location = (float("nan"), 0, 0)  # what a driver dividing by zero gives
    report, stage = export(animation=False)
    assert sorted(c.GetName() for c in copies(stage)) == ["Broken", "Shared"]
    assert "/Root/Broken: its transform is not finite (NaN or infinite) at 1 frame(s); written as it is" \
        in report.warnings
    assert not [w for w in report.warnings if w.startswith("/Root/Shared")]


def test_moving_instancers_place_their_copies_at_every_frame(scene, export):
    """Over a range, instances' transforms are made local to their instancers at the end, all at once:
    copies follow two moving, turning instancers at every frame, one of them flat at one frame
    (no inverse there), with or without instancing."""
    parts = hidden_sources(scene, add_mesh("cube", "Box", (0, 0, 1)), add_mesh("ico_sphere", "Ball", (2, 0, 0)))
    scene.frame_start, scene.frame_end = 1, 5
    for i in range(2):
        spawn = bpy.data.objects.new(f"Spawn{i}", None)
        spawn.instance_type, spawn.instance_collection = "COLLECTION", parts
        spawn.location = (i * 5.0, 0, 0)
        scene.collection.objects.link(spawn)
        for frame, (x, angle, flat) in {1: (0, 0, 1), 3: (2, 0.8, 1 - i), 5: (1, 1.5, 1)}.items():
            spawn.location.x, spawn.rotation_euler.z, spawn.scale.y = i * 5.0 + x, angle, flat
            spawn.keyframe_insert("location", frame=frame)
            spawn.keyframe_insert("rotation_euler", frame=frame)
            spawn.keyframe_insert("scale", frame=frame)
    for instancing, name in ((True, "shared.usda"), (False, "copies.usda")):
        _, stage = export(name, instancing=instancing)
        for frame in range(1, 6):
            scene.frame_set(frame)
            assert assert_same_meshes(stage, frame) == 4, (instancing, frame)
        assert len(copies(stage)) == (4 if instancing else 0)
