"""The export: target checks, the frame loop over the hierarchy, the report, the atomic save."""
import os
import secrets
import shutil
import time

from . import __version__
from .options import FORMATS, ExportOptions
from .report import ExportReport
from .usd.textures import TEXTURES


class ExportError(Exception):
    """An export that could not be done; the message says why, for the user."""


class Cancelled(ExportError):
    """An export stopped on request (the progress callback returned False, or the cancel signal was
    set); like a failed one, it leaves nothing behind."""


def check_target(filepath):
    """The absolute target path, or a clear error for a wrong extension or an unusable folder."""
    path = os.path.abspath(os.fspath(filepath))
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ExportError(f"cannot export to {os.path.basename(path)!r}: the file name must end in "
                          f"{', '.join(FORMATS)}")
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise ExportError(f"cannot export to {path}: the folder {folder} does not exist")
    # The effective user is the one whose rights the writes will use (where the system tells them apart).
    if not os.access(folder, os.W_OK | os.X_OK, effective_ids=os.access in os.supports_effective_ids):
        raise ExportError(f"cannot export to {path}: the folder {folder} is not writable")
    if os.path.isdir(path):
        raise ExportError(f"cannot export to {path}: it is a folder")
    textures = os.path.join(folder, TEXTURES)
    if ext != ".usdz" and os.path.lexists(textures) and not os.path.isdir(textures):
        raise ExportError(f"cannot export to {path}: {textures} is a file, not a folder: the textures "
                          "cannot be written beside the file (rename or move it)")
    if os.path.lexists(textures) and os.path.dirname(os.path.realpath(textures)) != os.path.realpath(folder):
        raise ExportError(f"cannot export to {path}: {textures} leads outside the export folder")
    return path


def frame_range(scene, options):
    if not options.animation:
        return [scene.frame_current]
    start = scene.frame_start if options.frame_start is None else options.frame_start
    end = scene.frame_end if options.frame_end is None else options.frame_end
    if end < start:
        raise ExportError(f"the frame range {start}-{end} is empty")
    return list(range(start, end + 1))


def export(filepath, options=None, context=None, progress=None, cancel=None, chunk_of=None, report=None,
           source=None):
    """Exports the scene of `context` (default: bpy.context) to `filepath`; returns an ExportReport.

    `progress(fraction)`, when given, is called as frames are done; returning False stops the export.
    `cancel`, when given, is checked as often: a callable returning True, or an object whose `is_set()`
    does (a `threading.Event`). A stopped export raises `Cancelled` and leaves nothing behind.
    `chunk_of` (first, last): the file is a chunk of that whole range, its frames the options' range,
    for `farm.stitch`. `report`: the ExportReport to fill, for a progress display that reads it.
    `source`: the file name the layer records as its source (default: the open .blend's)."""
    steps = export_steps(filepath, options, context, chunk_of, report, source)
    is_set = getattr(cancel, "is_set", cancel)
    try:
        while True:
            fraction = next(steps)
            if (progress is not None and progress(fraction) is False) or (is_set is not None and is_set()):
                cancel_steps(steps)
    except StopIteration as done:
        return done.value


def cancel_steps(steps):
    """Stops `export_steps` where it stands; everything it wrote goes, and Cancelled is raised."""
    steps.throw(Cancelled("the export was cancelled; nothing was written"))


def export_steps(filepath, options=None, context=None, chunk_of=None, report=None, source=None):
    """The export as a generator, for callers that interleave it with other work (the dialog's modal
    operator): it yields the fraction done before each frame and when the frames are done, and
    returns the ExportReport. `cancel_steps` stops it; closing it stops it too."""
    import bpy

    from pxr import Sdf  # noqa: F401  (loaded through usd/, so Blender's own USD is used)

    from .assembly import move_assets, write_assets
    from .blas import one_thread
    from .blender.evaluation import evaluation
    from .blender.scene_state import preserved
    from .blender.skinning import armature_modifiers
    from .materials.bake import baked_textures
    from .usd.placement import Placement
    from .usd.usdz import pack

    options = options or ExportOptions()
    context = context or bpy.context
    path = check_target(filepath)
    report = report if report is not None else ExportReport()
    report.filepath = path
    started = time.perf_counter()
    scene = context.scene
    frames = frame_range(scene, options)
    report.frames = (frames[0], frames[-1])
    chunk = None if chunk_of is None else chunk_plan(frames, chunk_of, options)
    written_assets = []  # asset folders written into the staging folder, moved into place with the file
    placement = Placement(os.path.dirname(path))  # textures beside their place, renamed in with the file

    def write(staging):
        """Writes the export and returns what goes to `path` (see _write_atomically): its textures into
        `staging` for a package or a strict check, which read them beside the staged file, else beside
        their place under temporary names (`placement`); `evaluated`, `skins` and `baked` are set up
        below, before it is called."""
        name = os.path.basename(path)
        out = os.path.join(staging, name)
        assets = {}
        if options.linked_as_references:
            yield 0.0
            os.makedirs(staging, exist_ok=True)
            assets, written = write_assets(context, options, frames, path, staging, report, evaluated)
            written_assets.extend(written)
        if name.lower().endswith(".usdz"):
            layer_path = os.path.join(staging, os.path.splitext(name)[0] + ".usdc")
            layer = yield from _export_to(layer_path, context, options, frames, report, evaluated, skins, baked,
                                          chunk, assets, source)
            _save(layer)
            if not pack(layer_path, out):
                raise ExportError(f"USD could not write the package {path}")
            shutil.rmtree(os.path.join(staging, TEXTURES), ignore_errors=True)  # packed, not beside it
        elif not options.strict:  # checked once in place, where USD writes it
            # Its textures go beside their place under temporary names: no staging folder is made for them.
            return (yield from _export_to(out, context, options, frames, report, evaluated, skins, baked, chunk,
                                          assets, source, placement=placement))
        else:
            layer = yield from _export_to(out, context, options, frames, report, evaluated, skins, baked, chunk,
                                          assets, source)
            _save(layer)
        if options.validate or options.strict:
            _validate(out, path, report)
        return out

    def move(staging, folder):
        move_assets(staging, folder, written_assets)
        placement.place()

    with one_thread(), preserved(context), evaluation(scene, context.view_layer, options.evaluation_mode,
                                                      include_hidden=not options.visible_only) as evaluated:
        skins = _plan_skins(context, options, report, evaluated)
        with baked_textures(context, options, report) as baked:
            evaluated.switch_off(armature_modifiers(skins))
            try:
                placed = yield from _write_atomically(path, write, options, report, move)
            finally:
                placement.discard()  # what was not placed: the export failed or was stopped
    if placed is None and options.validate:
        _validate(path, path, report)
    report.seconds = time.perf_counter() - started
    return report


def _write_atomically(path, write, options, report, move=None):
    """Writes the export beside `path`, what it stages below a staging folder as it will stand.
    `write(staging)` is a generator returning what goes to `path`: a file it wrote into the staging
    folder, or the layer still in memory. Only a complete (and, when strict, compliant) export
    moves into place, textures first (and what `move(staging, folder)` moves: the linked assets,
    the textures written beside their place), then the file: a staged one by a rename, the layer
    by USD's own save, which writes a temporary file beside `path` and renames it over. Otherwise
    the staging folder goes and nothing of the export is left, the previous file and its textures
    untouched. The staging folder is made by the first file written into it: an export without a
    package, a strict check or linked assets never needs it. Returns the staged file placed, or
    None for a layer saved in place."""
    folder, name = os.path.split(path)
    staging = os.path.join(folder, f".{os.path.splitext(name)[0]}.{secrets.token_hex(6)}")
    try:
        written = yield from write(staging)
        if options.strict and not report.compliant:
            raise ExportError(f"the export is not Miris-compliant ({len(report.errors)} error(s)); "
                              f"nothing was written to {path}")
        _move_textures(staging, folder)
        if move is not None:
            move(staging, folder)
        if isinstance(written, str):
            os.replace(written, path)
            return written
        _save(written, path)
        return None  # not the layer: held on, it would stand for the file where it is opened next
    finally:
        if os.path.isdir(staging):
            shutil.rmtree(staging, ignore_errors=True)


def _save(layer, path=None):
    """Writes the layer to its own file, its folder made if need be, or to `path`: renamed after it
    and saved, which costs less than an export, unless a layer of that name is open already. A
    layer that could not be saved, or that a hook may still hold, has its own name back: it does
    not stand for the file, which a later export may rewrite."""
    from pxr import Sdf

    from .hooks import active

    if path is None:
        os.makedirs(os.path.dirname(layer.identifier), exist_ok=True)
        saved = layer.Save()
    elif Sdf.Layer.Find(path):
        saved = layer.Export(path)
    else:
        own, layer.identifier = layer.identifier, path
        saved = False
        try:
            saved = layer.Save()
        finally:
            if not saved or active():
                layer.identifier = own
    if not saved:
        raise ExportError(f"USD could not write {path or layer.identifier}")


def _move_textures(staging, folder):
    source = os.path.join(staging, TEXTURES)
    if not os.path.isdir(source):
        return
    target = os.path.join(folder, TEXTURES)
    os.makedirs(target, exist_ok=True)
    for name in sorted(os.listdir(source)):
        os.replace(os.path.join(source, name), os.path.join(target, name))


def _validate(tmp, path, report):
    """The validator's findings on the written file, into the report. A validator that fails says so
    in the report and does not fail the export."""
    try:
        from .validate import validate_file

        report.findings = validate_file(tmp, name=os.path.basename(path))
    except Exception as e:  # noqa: BLE001  (whatever it is, the written file is still good)
        report.warn(f"Miris validation could not run: {type(e).__name__}: {e}")
        return
    errors = len(report.errors)
    warnings = len(report.findings) - errors
    verdict = "not compliant" if errors else "compliant"
    report.info(f"Miris validation: {verdict}, {errors} error(s), {warnings} warning(s)")


def _guarded(report, writer, method, *args):
    """Runs a scene writer's step; one that fails costs what it writes, with a report line,
    not the export."""
    try:
        method(*args)
    except Exception as error:  # noqa: BLE001
        report.warn(f"{type(writer).__name__}: could not write ({type(error).__name__}: {error})")


def _nothing_exported(options):
    """The report line for an export without objects, naming the options that chose none."""
    chosen = [what for what, on in (("selected", options.selected_only), ("visible", options.visible_only)) if on]
    where = f"the collection {options.collection!r}" if options.collection else "the view layer"
    kind = " and ".join(chosen) + " object" if chosen else "object"
    return f"no object was exported: {where} has no {kind} with anything to write"


def _plan_skins(context, options, report, evaluated):
    """The meshes to write skinned; those an armature deforms in a way UsdSkel cannot say are written
    as point samples, each with a report line."""
    from .blender.skinning import plan
    from .hierarchy.iterator import ObjectFilter

    if not options.skeletons:
        return {}
    wanted = ObjectFilter(options, context.view_layer, evaluated)
    skins, fallbacks = plan(context.evaluated_depsgraph_get(), options, wanted)
    for name, reason in fallbacks:
        report.warn(f"{name}: armature deformation written as point samples, not skinned: {reason}")
    return skins


def chunk_plan(frames, whole, options):
    """A chunk's layer metadata (see farm.stitch); it evaluates lead-in frames before its own
    (farm.chunks.lead_in)."""
    from .farm.chunks import chunk_metadata

    if not options.animation:
        raise ExportError("a chunk needs animation on")
    if options.linked_as_references:
        raise ExportError("a chunk cannot write linked assets as references; export the whole range at once")
    first, last = whole
    if last <= first:
        raise ExportError(f"the whole range {first}-{last} must span more than one frame to be exported in chunks")
    if not first <= frames[0] <= frames[-1] <= last:
        raise ExportError(f"the chunk {frames[0]}-{frames[-1]} is outside the whole range {first}-{last}")
    return chunk_metadata(frames, whole, options)


def _export_to(layer_path, context, options, frames, report, evaluated, skins, baked, chunk=None, assets=None,
               source=None, placement=None):
    """Builds the layer of `layer_path`, yielding the fraction done before each frame and at the end
    of the frames, and returns it unsaved; textures go below its folder. `evaluated` (see
    blender/evaluation.py) is told of each frame change; `skins` are the meshes written skinned,
    `baked` the images baked for (object, material); `chunk`: the chunk's metadata, for a chunk
    export; `assets`: the asset file each instancer of a linked asset references (assembly.py);
    `source`: see export()."""
    import bpy

    from pxr import Sdf

    from .blender.animation import scene_may_change
    from .hooks import API_VERSION, HookContext, HookRun, active
    from .session import ExportSession
    from .usd import stage as usd_stage
    from .usd.custom_data import CustomPropertyWriter
    from .usd.hierarchy import UsdHierarchy
    from .writers import SCENE_WRITERS

    scene = context.scene
    rng = frames
    if chunk is not None:
        from .farm.chunks import lead_in

        frames = lead_in(frames, (chunk["first"], chunk["last"]), scene, context.view_layer) + frames
    layer = usd_stage.create_layer(
        layer_path,
        creator=f"Miris USD exporter {__version__}",
        blenderVersion=bpy.app.version_string,
        sourceFile=source or os.path.basename(bpy.data.filepath) or "unsaved scene",
    )
    session = ExportSession(
        layer=layer,
        options=options,
        report=report,
        view_layer=context.view_layer,
        top_matrix=usd_stage.top_matrix(scene.unit_settings.scale_length or 1.0),
        # Textures go below the file's own folder, under temporary names (usd.placement), or below
        # the staging folder the layer is written to.
        export_dir=placement.folder if placement is not None else os.path.dirname(layer_path),
        placement=placement,
        animated=len(frames) > 1 or chunk is not None,
        chunk=chunk is not None,
        first_frame=frames[0],
        evaluation=evaluated,
        skins=skins,
        assets=assets or {},
        cache={"baked": baked},  # images baked for (object, material), see materials.bake
    )
    hierarchy = UsdHierarchy(session)
    hook_context = HookContext(API_VERSION, options, report, scene, layer_path, frame=frames[0])
    hooks = HookRun(session, hook_context, active())
    if hooks:
        hooks.call("on_stage", session.stage)
    custom = CustomPropertyWriter(report) if options.custom_properties else None
    # Over a range where nothing can change, the first frame stands for all: every value is
    # written as a default, as it would be after sampling each frame. A chunk samples every frame
    # for the stitch, and a per-frame hook is called at every frame.
    may_change = session.chunk or (session.animated and (hooks.per_frame or scene_may_change(scene)))
    evaluated_frames = frames if may_change else frames[:1]
    session.sampled = len(evaluated_frames) > 1
    scene_writers = [cls(session, scene) for cls in SCENE_WRITERS]
    live = scene_writers  # those not done yet
    per_frame_hooks = hooks.per_frame
    scene_batch = Sdf.ChangeBlock()  # entered each frame: made once, as making one costs more than using it
    for done, frame in enumerate(evaluated_frames):
        yield done / len(evaluated_frames)
        if session.animated or scene.frame_current != frame or scene.frame_subframe:
            scene.frame_set(frame)
            evaluated.frame_changed()
        report.frames_evaluated += 1
        session.frame = frame
        depsgraph = context.evaluated_depsgraph_get()
        hierarchy.iterate(depsgraph)
        if custom is not None:
            custom.write(hierarchy)
        hook_context.depsgraph, hook_context.frame = depsgraph, frame
        if per_frame_hooks:
            hooks.call_objects(hierarchy, per_frame=True)
        live = [writer for writer in live if not writer.done]
        if live:
            with scene_batch:
                for writer in live:
                    _guarded(report, writer, writer.write, scene, depsgraph, frame)
    hierarchy.finish()
    if not report.prims["Xform"]:  # every exported object is an Xform
        report.warn(_nothing_exported(options))
    with Sdf.ChangeBlock():  # a stage open on the layer takes the changes in once
        for writer in scene_writers:
            _guarded(report, writer, writer.finish)
        if session.animated:
            usd_stage.set_time_range(layer, rng[0], rng[-1], scene.render.fps / scene.render.fps_base)
    if hooks:
        hooks.call_objects(hierarchy, per_frame=False)
        hooks.call_materials(session.cache.get("materials", {}))
        hooks.call("on_save", session.stage, report)
        hooks.merge()
    yield 1.0
    if chunk is not None:
        from .usd.sparse import CHUNK_KEY

        layer.customLayerData = {**layer.customLayerData, CHUNK_KEY: chunk}
    return layer
