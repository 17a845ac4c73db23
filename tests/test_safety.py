"""Bad targets give clear errors; a failed export leaves nothing behind; the scene is left as it was."""
import contextlib
import gc
import os
import pathlib
import tempfile

import bpy
import pytest
from pxr import Usd, UsdGeom

import miris_export
from miris_export.exporter import ExportError


def test_wrong_extension_missing_folder_and_folder_target(scene, tmp_path):
    bpy.ops.mesh.primitive_cube_add()
    with pytest.raises(ExportError, match="must end in .usdc, .usda, .usdz"):
        miris_export.export(str(tmp_path / "scene.obj"))
    with pytest.raises(ExportError, match="does not exist"):
        miris_export.export(str(tmp_path / "missing" / "scene.usdc"))
    (tmp_path / "dir.usdc").mkdir()
    with pytest.raises(ExportError, match="is a folder"):
        miris_export.export(str(tmp_path / "dir.usdc"))
    assert sorted(os.listdir(tmp_path)) == ["dir.usdc"]


@contextlib.contextmanager
def acting_as_nobody():
    """Root may write anywhere, so as root the export runs with the effective user id of `nobody`,
    which the kernel then really holds to the folder's permissions; other users are held to them anyway."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)


def test_unwritable_folder(scene, tmp_path):
    bpy.ops.mesh.primitive_cube_add()
    miris_export.export(str(tmp_path / "warm.usdc"), animation=False)  # modules loaded while allowed
    # In the system's temporary folder, which every user can reach (pytest's own is private to its user).
    with tempfile.TemporaryDirectory() as top:
        os.chmod(top, 0o755)
        locked = pathlib.Path(top) / "locked"
        locked.mkdir(mode=0o555)
        with acting_as_nobody():
            with pytest.raises(OSError):  # the kernel refuses a write there: the folder is really unwritable
                (locked / "probe").write_bytes(b"")
            with pytest.raises(ExportError, match=f"the folder {locked} is not writable"):
                miris_export.export(str(locked / "scene.usdc"), animation=False)
        assert os.listdir(locked) == []


def test_failed_export_keeps_the_previous_file_and_leaves_no_partial_file(scene, tmp_path):
    bpy.ops.mesh.primitive_cube_add()
    target = tmp_path / "scene.usdc"
    miris_export.export(str(target), animation=False)
    before = target.read_bytes()
    with pytest.raises(ValueError):
        miris_export.export(str(target), animation=False, collection="Nope")
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["scene.usdc"]


@contextlib.contextmanager
def collector_off():
    """Python's cycle collector off, as between two of its passes: what a reference cycle holds stays."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _cube_x(path):
    stage = Usd.Stage.Open(str(path))
    cube = next(p for p in stage.Traverse() if p.GetName() == "Cube")
    return UsdGeom.Xformable(cube).ComputeLocalToWorldTransform(0).ExtractTranslation()[0]


def test_a_file_exported_again_reads_back_as_written_the_second_time(scene, tmp_path):
    # An armature's writer is what the exported meshes find it by: nothing of the first export may
    # stay open under the file's name, or opening the file would give its first content.
    bpy.ops.object.armature_add()
    bpy.ops.mesh.primitive_cube_add(location=(1, 0, 0))
    target = tmp_path / "scene.usdc"
    with collector_off():
        miris_export.export(str(target), animation=False)
        bpy.context.object.location.x = 2
        miris_export.export(str(target), animation=False)
        assert _cube_x(target) == pytest.approx(2)


def test_a_failed_export_does_not_stand_for_the_file_it_would_have_replaced(scene, tmp_path, monkeypatch):
    bpy.ops.mesh.primitive_cube_add(location=(1, 0, 0))
    target = tmp_path / "scene.usdc"
    miris_export.export(str(target), animation=False)
    bpy.context.object.location.x = 2

    def fail(*args, **kwargs):
        raise RuntimeError("failed at the end")

    monkeypatch.setattr("miris_export.usd.hierarchy.UsdHierarchy.finish", fail)
    with collector_off():
        with pytest.raises(RuntimeError, match="failed at the end") as failure:
            miris_export.export(str(target), animation=False)
        # The failure's frames, kept with it, hold the whole export: the file is still read from disk.
        assert failure.value.__traceback__ is not None
        assert _cube_x(target) == pytest.approx(1)


def test_unknown_option_is_a_clear_error(scene, tmp_path):
    with pytest.raises(TypeError, match="unknown export option.*colour"):
        miris_export.export(str(tmp_path / "x.usdc"), colour=True)


def test_scene_is_left_as_it_was(scene, tmp_path):
    bpy.ops.mesh.primitive_cube_add()
    cube = bpy.context.object
    sub = cube.modifiers.new("Subdivision", "SUBSURF")
    sub.levels, sub.render_levels = 1, 3
    sub.show_viewport = False
    bpy.ops.mesh.primitive_cylinder_add(location=(3, 0, 0))
    cylinder = bpy.context.object
    bpy.ops.curve.primitive_bezier_circle_add(location=(-3, 0, 0))
    bpy.context.object.data.bevel_depth = 0.2
    bpy.ops.mesh.primitive_plane_add(location=(0, 3, 0))
    hidden = bpy.context.object
    hidden.hide_set(True)
    cube.keyframe_insert("location", frame=1)
    cube.location.x = 4
    cube.keyframe_insert("location", frame=10)
    scene.frame_end = 10
    scene.frame_set(7)
    bpy.ops.object.select_all(action="DESELECT")
    cylinder.select_set(True)
    bpy.context.view_layer.objects.active = cylinder
    bpy.ops.object.mode_set(mode="EDIT")
    counts = {name: len(getattr(bpy.data, name)) for name in ("objects", "meshes", "materials", "images",
                                                              "curves", "collections")}
    location = tuple(cube.location)

    report = miris_export.export(str(tmp_path / "scene.usdc"))

    assert report.prims["Mesh"] == 4  # cube, cylinder, the curve's mesh, the hidden plane (it renders)
    assert scene.frame_current == 7 and tuple(cube.location) == location
    assert bpy.context.view_layer.objects.active == cylinder
    assert [o.name for o in bpy.context.selected_objects] == [cylinder.name]
    assert cylinder.mode == "EDIT" and bpy.context.mode == "EDIT_MESH"
    assert (sub.levels, sub.render_levels, sub.show_viewport) == (1, 3, False)
    assert hidden.hide_get() and not hidden.hide_viewport
    assert {name: len(getattr(bpy.data, name)) for name in counts} == counts
    bpy.ops.object.mode_set(mode="OBJECT")


def test_edit_mode_changes_are_exported(scene, export):
    bpy.ops.mesh.primitive_cube_add()
    bpy.ops.object.mode_set(mode="EDIT")
    bpy.ops.mesh.select_all(action="SELECT")
    bpy.ops.transform.translate(value=(0, 0, 5))
    _, stage = export(animation=False)
    bpy.ops.object.mode_set(mode="OBJECT")
    from pxr import Usd, UsdGeom

    points = UsdGeom.Mesh(stage.GetPrimAtPath("/Root/Cube/Cube")).GetPointsAttr().Get()
    assert min(p[2] for p in points) == pytest.approx(4.0)


def test_an_object_whose_writer_fails_is_left_out_and_reported(scene, tmp_path, monkeypatch):
    from pxr import Usd

    from miris_export import writers
    from miris_export.writers.base import Writer

    class FailingWriter(Writer):  # a writer of ours that meets data it cannot handle
        def define(self, path, ctx):
            self.session.stage.DefinePrim(path, "Xform")

        def write(self, ctx, time):
            raise ValueError("cannot handle this speaker")

    monkeypatch.setitem(writers.DATA_WRITERS, "SPEAKER", FailingWriter)
    bpy.ops.object.speaker_add()
    bpy.ops.mesh.primitive_cube_add()
    report = miris_export.export(str(tmp_path / "scene.usda"), animation=False)
    stage = Usd.Stage.Open(report.filepath)
    assert not stage.GetPrimAtPath("/Root/Speaker")
    assert stage.GetPrimAtPath("/Root/Cube/Cube")
    assert any("Speaker: could not be exported" in w and "cannot handle this speaker" in w for w in report.warnings)


def test_a_mesh_whose_definition_fails_among_others_is_left_out_alone(scene, tmp_path, monkeypatch):
    """Meshes are defined together in one change block: one failing there costs only itself."""
    from pxr import Usd

    from miris_export import materials

    bind = materials.bind

    def failing_bind(session, path, obj):
        if obj.name == "Bad":
            raise ValueError("cannot bind this one")
        return bind(session, path, obj)

    monkeypatch.setattr(materials, "bind", failing_bind)
    for name, x in (("Good", 0.0), ("Bad", 3.0), ("Also", 6.0)):
        bpy.ops.mesh.primitive_cube_add(location=(x, 0, 0))
        bpy.context.object.name = name
    report = miris_export.export(str(tmp_path / "scene.usda"), animation=False)
    stage = Usd.Stage.Open(report.filepath)
    assert not stage.GetPrimAtPath("/Root/Bad")
    for name, x in (("Good", 0.0), ("Also", 6.0)):
        (mesh,) = stage.GetPrimAtPath(f"/Root/{name}").GetChildren()
        assert len(UsdGeom.Mesh(mesh).GetPointsAttr().Get()) == 8
        ops = UsdGeom.Xformable(stage.GetPrimAtPath(f"/Root/{name}")).GetLocalTransformation()
        assert ops.ExtractTranslation()[0] == pytest.approx(x)
    assert any("Bad: could not be exported" in w and "cannot bind this one" in w for w in report.warnings)


def test_an_export_without_objects_says_so(scene, export):
    bpy.ops.mesh.primitive_cube_add()
    bpy.ops.object.select_all(action="DESELECT")
    report, stage = export(animation=False, selected_only=True)
    assert not [p for p in stage.Traverse() if p.IsA(UsdGeom.Mesh)]
    assert "no object was exported: the view layer has no selected and visible object with anything to write" in report.warnings
    report, _ = export(animation=False)
    assert not [w for w in report.warnings if w.startswith("no object was exported")]
