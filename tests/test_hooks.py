"""Export hooks: what they author reaches the file, a failing one costs only its own changes,
and what they add is validated like the rest."""
import bpy
import pytest
from miris_export import hooks


@pytest.fixture
def cube(scene):
    bpy.ops.mesh.primitive_cube_add()
    obj = bpy.context.object
    obj.name = "Crate"
    return obj


@pytest.fixture
def registered():
    """register(hook) for the test's duration only."""
    added = []

    def add(hook):
        hooks.register(hook)
        added.append(hook)
        return hook

    yield add
    for hook in added:
        hooks.unregister(hook)


class Tagger(hooks.ExportHook):
    def __init__(self):
        self.calls = []

    def on_stage(self, stage, context):
        self.calls.append(("stage", context.api_version))

    def on_object(self, prim, obj, context):
        self.calls.append(("object", obj.name))
        prim.SetCustomDataByKey("studio:asset", f"asset_{obj.name}")

    def on_material(self, prim, material, context):
        self.calls.append(("material", material.name))
        prim.SetCustomDataByKey("studio:shader", material.name)

    def on_save(self, stage, report, context):
        self.calls.append(("save", report.prims["Mesh"]))


def test_a_hook_authors_custom_data_into_the_file(cube, registered, export):
    material = bpy.data.materials.new("Paint")
    cube.data.materials.append(material)
    hook = registered(Tagger())
    bpy.context.scene.frame_end = 3
    report, stage = export()
    assert stage.GetPrimAtPath("/Root/Crate").GetCustomDataByKey("studio:asset") == "asset_Crate"
    assert stage.GetPrimAtPath("/Materials/Paint").GetCustomDataByKey("studio:shader") == "Paint"
    # once per writer, not per frame; on_save sees the finished report
    assert hook.calls == [("stage", hooks.API_VERSION), ("object", "Crate"), ("material", "Paint"), ("save", 1)]
    # the stage's layout survives the merge of what the hook authored
    assert stage.GetDefaultPrim().GetPath() == "/Root"
    assert not stage.GetRootLayer().subLayerPaths  # the hooks' own layers are gone
    assert report.compliant, report.finding_lines()


def test_a_per_frame_hook_is_called_each_frame(cube, registered, export):
    frames = []

    class Frames(hooks.ExportHook):
        per_frame = True

        def on_object(self, prim, obj, context):
            frames.append(context.frame)

    registered(Frames())
    scene = bpy.context.scene
    scene.frame_start, scene.frame_end = 1, 3
    export()
    assert frames == [1, 2, 3]


def test_a_hook_that_raises_costs_its_changes_and_a_report_line(cube, registered, export):
    class Broken(hooks.ExportHook):
        def on_stage(self, stage, context):
            stage.GetPrimAtPath("/Root").SetCustomDataByKey("broken", True)

        def on_object(self, prim, obj, context):
            prim.SetCustomDataByKey("broken", True)
            raise RuntimeError("no asset database")

    registered(Broken())
    good = registered(Tagger())
    report, stage = export()
    assert any("export hook Broken: on_object failed (RuntimeError: no asset database)" in w for w in report.warnings)
    for prim in stage.Traverse():
        assert "broken" not in prim.GetCustomData(), prim.GetPath()
    # the export and the other hook are whole
    assert stage.GetPrimAtPath("/Root/Crate/Cube").GetTypeName() == "Mesh"
    assert stage.GetPrimAtPath("/Root/Crate").GetCustomDataByKey("studio:asset") == "asset_Crate"
    assert ("save", 1) in good.calls


def test_an_unlisted_prim_type_a_hook_adds_is_a_finding(cube, registered, export):
    class AddsCube(hooks.ExportHook):
        def on_save(self, stage, report, context):
            stage.DefinePrim("/Root/Helper", "Cube")

    registered(AddsCube())
    report, stage = export()
    assert stage.GetPrimAtPath("/Root/Helper").GetTypeName() == "Cube"
    assert any(f.path == "/Root/Helper" and f.severity == "error" for f in report.findings), report.finding_lines()


def test_a_hook_shipped_as_a_blender_class_is_found_once_registered(cube, export):
    class StudioTag(hooks.MirisUSDHook):
        bl_idname = "studio_tag"
        bl_label = "Studio Tag"

        @staticmethod
        def on_object(prim, obj, context):
            prim.SetCustomDataByKey("studio:tagged", obj.name)

    assert StudioTag not in hooks.active()
    bpy.utils.register_class(StudioTag)
    try:
        assert StudioTag in hooks.active()
        _, stage = export()
    finally:
        bpy.utils.unregister_class(StudioTag)
    assert stage.GetPrimAtPath("/Root/Crate").GetCustomDataByKey("studio:tagged") == "Crate"
    assert StudioTag not in hooks.active()
    _, stage = export("again.usda")
    assert stage.GetPrimAtPath("/Root/Crate").GetCustomDataByKey("studio:tagged") is None


def test_registering_something_without_hook_methods_is_refused():
    with pytest.raises(TypeError, match="none of the hook methods"):
        hooks.register(object())


def test_a_hook_for_a_newer_api_is_not_called(cube, registered, export):
    class Future(Tagger):
        api_version = hooks.API_VERSION + 1

    hook = registered(Future())
    report, stage = export()
    assert hook.calls == []
    assert f"export hook Future: not called, it needs hook API version {hooks.API_VERSION + 1} and this " \
           f"exporter has {hooks.API_VERSION}" in report.warnings
    assert stage.GetPrimAtPath("/Root/Crate").GetCustomDataByKey("studio:asset") is None


def test_a_hook_that_keeps_the_stage_does_not_stand_for_the_file_exported_again(cube, registered, tmp_path):
    # The layer a hook holds on to after an export has the file's content of that export only: opening
    # the file once it is exported again reads the new one.
    from pxr import Usd, UsdGeom

    import miris_export

    class Keeper(hooks.ExportHook):
        stages = []

        def on_save(self, stage, report, context):
            self.stages.append(stage)

    registered(Keeper())
    target = tmp_path / "scene.usdc"
    miris_export.export(str(target), animation=False)
    cube.location.x = 2
    miris_export.export(str(target), animation=False)
    stage = Usd.Stage.Open(str(target))
    crate = stage.GetPrimAtPath("/Root/Crate")
    assert UsdGeom.Xformable(crate).ComputeLocalToWorldTransform(0).ExtractTranslation()[0] == pytest.approx(2)
    assert len(Keeper.stages) == 2


class Idle(hooks.ExportHook):
    """Authors nothing; the stage it is given is open while the file is written."""

    def on_stage(self, stage, context):
        pass


def test_the_file_is_the_same_whether_or_not_a_stage_is_open_while_it_is_written(scene, registered, tmp_path,
                                                                                  monkeypatch):
    """The writers author the layer's specs and open no Usd stage unless something asks for one (an open
    stage composes again after every change, most of what small exports spent in USD). With a hook
    registered, one is open from the start: the file says the same, skeleton, materials and a value that
    starts changing midway included."""
    from pxr import Sdf, Usd
    from test_skeletons import _arm

    import miris_export

    _arm(scene, frames=4)
    bpy.ops.mesh.primitive_cube_add(location=(3, 0, 0))
    bpy.context.object.data.materials.append(bpy.data.materials.new("Paint"))
    bpy.ops.object.camera_add()
    bpy.ops.object.light_add(type="POINT")
    light = bpy.context.object.data
    for frame, energy in ((1, 100.0), (2, 100.0), (4, 500.0)):  # changes from the third frame on
        light.energy = energy
        light.keyframe_insert("energy", frame=frame)
    opened = []
    open_stage = Usd.Stage.Open
    monkeypatch.setattr(Usd.Stage, "Open", lambda *args, **kw: opened.append(args) or open_stage(*args, **kw))
    miris_export.export(str(tmp_path / "still.usda"), animation=False, validate=False)
    assert opened == []
    miris_export.export(str(tmp_path / "plain.usda"), validate=False)
    registered(Idle())
    miris_export.export(str(tmp_path / "hooked.usda"), validate=False)
    plain, hooked = (Sdf.Layer.OpenAsAnonymous(str(tmp_path / name)).ExportToString()
                     for name in ("plain.usda", "hooked.usda"))
    assert "inputs:intensity.timeSamples" in plain and "primvars:skel:jointIndices" in plain
    assert "rotations.timeSamples" in plain and "/Materials/Paint" in plain
    assert plain == hooked
