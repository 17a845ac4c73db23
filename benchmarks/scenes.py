"""The benchmark scenes, built in code with bpy and numpy, the same every time.

Each builder empties the file first and returns a `Scene` saying what it
holds, so a run can check both exporters wrote every mesh. `quick=True` makes
small versions for the test that keeps the script from rotting.
"""
import os
import tempfile
from dataclasses import dataclass

import bpy
import numpy as np


@dataclass
class Scene:
    key: str
    title: str
    meshes: int  # mesh prims each exporter must write
    animated: bool
    frames: int = 1
    materials: int = 0
    shared: bool = False  # copies of shared meshes: Blender's exporter runs with use_instancing=True
    skinned: bool = False  # also measured against our point-sample fallback (skeletons=False)


# --- building blocks ------------------------------------------------------------

def empty_file():
    """A factory-empty file without a World, so neither exporter writes a dome light."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.world = None
    scene.frame_start = scene.frame_end = scene.frame_current = 1
    return scene


def grid_mesh(name, nx, ny, size=2.0, height=0.0, uvs=True):
    """A grid of nx * ny quads filled through foreach_set (no per-element Python), optionally waved in z."""
    xs = np.linspace(-size / 2, size / 2, nx + 1, dtype=np.float32)
    ys = np.linspace(-size / 2, size / 2, ny + 1, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    gz = height * np.sin(gx * 7.0) * np.cos(gy * 5.0)
    co = np.stack([gx, gy, gz], axis=-1).astype(np.float32).reshape(-1, 3)
    row = nx + 1
    i = np.arange(ny)[:, None] * row + np.arange(nx)[None, :]
    quads = np.stack([i, i + 1, i + row + 1, i + row], axis=-1).reshape(-1).astype(np.int32)
    nf = nx * ny
    mesh = bpy.data.meshes.new(name)
    mesh.vertices.add(len(co))
    mesh.vertices.foreach_set("co", co.ravel())
    mesh.loops.add(len(quads))
    mesh.loops.foreach_set("vertex_index", quads)
    mesh.polygons.add(nf)
    mesh.polygons.foreach_set("loop_start", np.arange(0, 4 * nf, 4, dtype=np.int32))
    mesh.update(calc_edges=True)
    if uvs:
        layer = mesh.uv_layers.new(name="UVMap")
        uv = (co[quads, :2] / size + 0.5).astype(np.float32)
        layer.data.foreach_set("uv", uv.ravel())
    return mesh


def cube_mesh(name):
    mesh = bpy.data.meshes.new(name)
    v = [(x, y, z) for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)]
    f = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    mesh.from_pydata(v, [], f)
    mesh.uv_layers.new(name="UVMap")
    return mesh


def add_object(scene, name, data, location=(0, 0, 0)):
    obj = bpy.data.objects.new(name, data)
    obj.location = location
    scene.collection.objects.link(obj)
    return obj


def principled(name, color, roughness=0.5, metallic=0.0, image=None):
    """A Principled BSDF material, its base colour from `image` when given."""
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    bsdf.inputs["Roughness"].default_value = roughness
    bsdf.inputs["Metallic"].default_value = metallic
    if image is not None:
        tex = mat.node_tree.nodes.new("ShaderNodeTexImage")
        tex.image = image
        mat.node_tree.links.new(tex.outputs["Color"], bsdf.inputs["Base Color"])
    return mat


def texture_file(index, size):
    """A PNG of size x size pixels, different for every index, made once and kept in the temp folder."""
    folder = os.path.join(tempfile.gettempdir(), f"miris_bench_textures_{size}")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"tex_{index:02d}.png")
    if not os.path.exists(path):
        img = bpy.data.images.new(f"gen_{index}", size, size, alpha=False)
        t = np.linspace(0.0, 1.0, size, dtype=np.float32)
        u, v = np.meshgrid(t, t)
        k = 4 + index % 13
        checker = ((np.floor(u * k) + np.floor(v * k)) % 2).astype(np.float32)
        # Some grain, so the file is as hard to compress as a painted texture, not a few kilobytes.
        grain = np.random.default_rng(index).integers(0, 12, (size, size, 3)).astype(np.float32) / 255
        rgb = np.stack([0.2 + 0.6 * u, 0.2 + 0.6 * v, 0.3 + 0.5 * checker], axis=-1) + grain
        rgba = np.concatenate([rgb, np.ones_like(u)[..., None]], axis=-1)
        img.pixels.foreach_set(rgba.astype(np.float32).ravel())
        img.filepath_raw = path
        img.file_format = "PNG"
        img.save()
        bpy.data.images.remove(img)
    return path


def _colors(n, rng):
    return [tuple(float(c) for c in rgb) for rgb in rng.uniform(0.05, 0.95, (n, 3))]


# --- the scenes ---------------------------------------------------------------

def big_mesh(quick):
    """(a) one mesh of at least 2 million corners, with UVs and custom normals."""
    scene = empty_file()
    n = 40 if quick else 710  # 710^2 quads = 2,016,400 corners
    mesh = grid_mesh("BigMesh", n, n, height=0.1)
    rng = np.random.default_rng(1)
    normals = np.tile(np.array([0.0, 0.0, 1.0], np.float32), (len(mesh.vertices), 1))
    normals[:, :2] = rng.uniform(-0.2, 0.2, (len(mesh.vertices), 2))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    mesh.normals_split_custom_set_from_vertices(normals)
    add_object(scene, "BigMesh", mesh)
    return Scene("a", f"1 mesh, {len(mesh.loops):,} corners, UVs, custom normals", 1, False)


def many_objects(quick):
    """(b) 3,000 objects over shared and unique meshes, with 50 materials."""
    scene = empty_file()
    n_objects, n_shared, n_unique, n_mats = (60, 4, 20, 5) if quick else (3000, 20, 1000, 50)
    rng = np.random.default_rng(2)
    mats = [principled(f"Mat{i:02d}", c, roughness=float(i % 10) / 10, metallic=float(i % 2))
            for i, c in enumerate(_colors(n_mats, rng))]
    shared = []
    for i in range(n_shared):
        mesh = cube_mesh(f"Shared{i:02d}")
        mesh.materials.append(mats[i % n_mats])
        shared.append(mesh)
    places = rng.uniform(-50, 50, (n_objects, 3))
    for i in range(n_objects):
        if i < n_unique:
            mesh = grid_mesh(f"Unique{i:04d}", 6, 6, size=1.0, height=0.05 + 0.001 * i)
            mesh.materials.append(mats[i % n_mats])
        else:
            mesh = shared[i % n_shared]
        add_object(scene, f"Obj{i:04d}", mesh, places[i])
    return Scene("b", f"{n_objects:,} objects ({n_unique:,} unique meshes), {n_mats} materials",
                 n_objects, False, materials=n_mats, shared=True)


def keyframed(quick):
    """(c) 500 objects with keyframed transforms over 250 frames."""
    scene = empty_file()
    n_objects, frames = (20, 20) if quick else (500, 250)
    scene.frame_end = frames
    rng = np.random.default_rng(3)
    mesh = cube_mesh("Cube")
    keys = np.linspace(1, frames, 6).round().astype(int)
    for i in range(n_objects):
        obj = add_object(scene, f"Anim{i:03d}", mesh)
        for k, frame in enumerate(keys):
            obj.location = rng.uniform(-20, 20, 3)
            obj.rotation_euler = rng.uniform(-3.14, 3.14, 3)
            obj.keyframe_insert("location", frame=int(frame))
            obj.keyframe_insert("rotation_euler", frame=int(frame))
    scene.frame_set(1)
    return Scene("c", f"{n_objects} objects, keyframed transforms, {frames} frames", n_objects, True, frames)


def deformed(quick):
    """(d) a mesh of 100,000 vertices deformed by a modifier over 100 frames."""
    scene = empty_file()
    n, frames = (20, 10) if quick else (316, 100)  # 317^2 = 100,489 vertices
    scene.frame_end = frames
    mesh = grid_mesh("Wavy", n, n, size=4.0)
    mesh.shade_smooth()
    obj = add_object(scene, "Wavy", mesh)
    wave = obj.modifiers.new("Wave", "WAVE")
    wave.height, wave.width, wave.speed = 0.3, 0.8, 0.1
    scene.frame_set(1)
    return Scene("d", f"1 mesh, {len(mesh.vertices):,} vertices, wave modifier, {frames} frames", 1, True,
                 frames)


def textured(quick):
    """(e) 40 materials with 2K textures on disk."""
    scene = empty_file()
    n_mats, size = (3, 256) if quick else (40, 2048)
    rng = np.random.default_rng(5)
    for i, color in enumerate(_colors(n_mats, rng)):
        image = bpy.data.images.load(texture_file(i, size))
        mat = principled(f"Tex{i:02d}", color, image=image)
        mesh = grid_mesh(f"Plane{i:02d}", 4, 4, size=1.0)
        mesh.materials.append(mat)
        add_object(scene, f"Plane{i:02d}", mesh, (2.0 * (i % 8), 2.0 * (i // 8), 0.0))
    return Scene("e", f"{n_mats} materials with {size}px PNG textures", n_mats, False, materials=n_mats)


def skinned(quick):
    """(f) a tube of 20,480 vertices skinned by a chain of 50 bones, swaying over 250 frames."""
    scene = empty_file()
    around, rings, n_bones, frames = (16, 10, 5, 10) if quick else (128, 160, 50, 250)
    scene.frame_end = frames
    height = 10.0
    mesh = grid_mesh("Tube", around - 1, rings - 1, uvs=False)
    angle = np.linspace(0, 2 * np.pi, around, endpoint=False)
    z = np.linspace(0, height, rings)
    co = np.stack([np.tile(np.cos(angle), rings) * 0.5, np.tile(np.sin(angle), rings) * 0.5,
                   np.repeat(z, around)], axis=-1).astype(np.float32)
    mesh.vertices.foreach_set("co", co.ravel())
    mesh.update()
    body = add_object(scene, "Tube", mesh)
    rig = add_object(scene, "Rig", bpy.data.armatures.new("Rig"))
    bpy.context.view_layer.objects.active = rig
    bpy.ops.object.mode_set(mode="EDIT")
    length, parent = height / n_bones, None
    for i in range(n_bones):
        bone = rig.data.edit_bones.new(f"Bone{i:02d}")
        bone.head, bone.tail = (0, 0, i * length), (0, 0, (i + 1) * length)
        bone.parent, bone.use_connect = parent, parent is not None
        parent = bone
    bpy.ops.object.mode_set(mode="OBJECT")
    # Each ring of vertices blends the two bones nearest its height.
    groups = [body.vertex_groups.new(name=f"Bone{i:02d}") for i in range(n_bones)]
    for ring, height_at in enumerate(z):
        t = min(max(height_at / length - 0.5, 0.0), n_bones - 1.0)
        lower = min(int(t), n_bones - 2)
        weight = t - lower
        indices = list(range(ring * around, (ring + 1) * around))
        groups[lower].add(indices, 1.0 - weight, "REPLACE")
        groups[lower + 1].add(indices, weight, "REPLACE")
    body.modifiers.new("Armature", "ARMATURE").object = rig
    body.parent = rig
    keys = np.linspace(1, frames, 6).round().astype(int)
    rng = np.random.default_rng(6)
    for bone in rig.pose.bones:
        bone.rotation_mode = "XYZ"
        for frame in keys:
            bone.rotation_euler = rng.uniform(-0.15, 0.15, 3)
            bone.keyframe_insert("rotation_euler", frame=int(frame))
    scene.frame_set(1)
    return Scene("f", f"1 skinned mesh, {len(mesh.vertices):,} vertices, {n_bones} bones, {frames} frames", 1,
                 True, frames, skinned=True)


def rock_mesh(name, rng, segments, rings):
    """A UV sphere of segments * rings faces (triangles at the poles) with its UV map, its radius
    roughened at random. Built from arrays, so every run numbers its corners alike (bmesh's
    sphere does not, which made file sizes vary from run to run)."""
    theta = np.pi * np.arange(1, rings) / rings
    phi = 2.0 * np.pi * np.arange(segments) / segments
    ring = np.stack([np.outer(np.sin(theta), np.cos(phi)), np.outer(np.sin(theta), np.sin(phi)),
                     np.repeat(np.cos(theta)[:, None], segments, axis=1)], axis=-1).reshape(-1, 3)
    co = np.vstack([[0.0, 0.0, 1.0], ring, [0.0, 0.0, -1.0]])
    south = len(co) - 1

    def vertex(i, j):  # ring i (1 at the top), segment j
        return 1 + (i - 1) * segments + j % segments

    faces, uvs = [], []
    for j in range(segments):
        u0, u1, um = j / segments, (j + 1) / segments, (j + 0.5) / segments
        faces.append((0, vertex(1, j), vertex(1, j + 1)))
        uvs += [(um, 1.0), (u0, 1.0 - 1.0 / rings), (u1, 1.0 - 1.0 / rings)]
        for i in range(1, rings - 1):
            faces.append((vertex(i, j), vertex(i + 1, j), vertex(i + 1, j + 1), vertex(i, j + 1)))
            top, bottom = 1.0 - i / rings, 1.0 - (i + 1) / rings
            uvs += [(u0, top), (u0, bottom), (u1, bottom), (u1, top)]
        faces.append((vertex(rings - 1, j), south, vertex(rings - 1, j + 1)))
        uvs += [(u0, 1.0 / rings), (um, 0.0), (u1, 1.0 / rings)]
    co = co * rng.uniform(0.8, 1.2, (len(co), 1))
    co[:, 2] *= 0.6
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(co.tolist(), [], faces)
    mesh.uv_layers.new(name="UVMap").uv.foreach_set("vector", np.array(uvs, np.float32).ravel())
    mesh.update()
    return mesh


def scattered(quick):
    """(g) 10,000 instances of 5 rock meshes of about 2,000 faces, scattered by geometry nodes."""
    scene = empty_file()
    side, (segments, rings) = (10, (10, 8)) if quick else (100, (50, 40))
    rng = np.random.default_rng(6)
    rocks = bpy.data.collections.new("Rocks")
    scene.collection.children.link(rocks)
    for i, color in enumerate(_colors(5, rng)):
        mesh = rock_mesh(f"Rock{i}", rng, segments, rings)
        mesh.materials.append(principled(f"Stone{i}", color, roughness=0.8))
        rocks.objects.link(bpy.data.objects.new(f"Rock{i}", mesh))
    # The sources are not drawn themselves (as Blender shows them: excluded), only their instances.
    bpy.context.view_layer.layer_collection.children["Rocks"].exclude = True
    tree = bpy.data.node_groups.new("Scatter", "GeometryNodeTree")
    tree.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    nodes, links = tree.nodes, tree.links
    grid = nodes.new("GeometryNodeMeshGrid")
    grid.inputs["Size X"].default_value = grid.inputs["Size Y"].default_value = side * 2.0
    grid.inputs["Vertices X"].default_value = grid.inputs["Vertices Y"].default_value = side
    info = nodes.new("GeometryNodeCollectionInfo")
    info.inputs["Collection"].default_value = rocks
    info.inputs["Separate Children"].default_value = info.inputs["Reset Children"].default_value = True
    place = nodes.new("GeometryNodeInstanceOnPoints")
    place.inputs["Pick Instance"].default_value = True
    pick = nodes.new("FunctionNodeRandomValue")
    pick.data_type = "INT"
    pick.inputs["Min"].default_value, pick.inputs["Max"].default_value = 0, 4
    turn = nodes.new("FunctionNodeRandomValue")
    turn.data_type = "FLOAT_VECTOR"
    turn.inputs["Max"].default_value = (0.3, 0.3, 6.3)
    size = nodes.new("FunctionNodeRandomValue")
    size.inputs[2].default_value, size.inputs[3].default_value = 0.2, 0.6  # float Min, Max
    links.new(grid.outputs["Mesh"], place.inputs["Points"])
    links.new(info.outputs[0], place.inputs["Instance"])
    links.new(pick.outputs["Value"], place.inputs["Instance Index"])
    links.new(turn.outputs["Value"], place.inputs["Rotation"])
    links.new(size.outputs[1], place.inputs["Scale"])
    links.new(place.outputs[0], nodes.new("NodeGroupOutput").inputs[0])
    field = add_object(scene, "Field", bpy.data.meshes.new("Field"))
    field.modifiers.new("Scatter", "NODES").node_group = tree
    return Scene("g", f"{side * side:,} instances of 5 rocks ({segments * rings:,} faces each), geometry nodes",
                 side * side, False, materials=5, shared=True)


SCENES = {"a": big_mesh, "b": many_objects, "c": keyframed, "d": deformed, "e": textured, "f": skinned,
          "g": scattered}


def build(key, quick=False):
    return SCENES[key](quick)
