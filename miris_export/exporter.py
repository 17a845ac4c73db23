"""The export: target checks, the frame loop over the hierarchy, the report, the atomic save."""
import os
import shutil
import tempfile
import time

from . import __version__
from .options import FORMATS, ExportOptions
from .report import ExportReport
from .usd.textures import TEXTURES


class ExportError(Exception):
    """An export that could not be done; the message says why, for the user."""


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
    if not os.access(folder, os.W_OK | os.X_OK):
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


def export(filepath, options=None, context=None, progress=None):
    """Exports the scene of `context` (default: bpy.context) to `filepath`; returns an ExportReport.

    `progress(fraction)`, when given, is called as frames are done."""
    import bpy

    from pxr import Sdf  # noqa: F401  (loaded through usd/, so Blender's own USD is used)

    from .blender.evaluation import evaluation
    from .blender.scene_state import preserved
    from .blender.skinning import armature_modifiers
    from .usd.usdz import pack

    options = options or ExportOptions()
    context = context or bpy.context
    path = check_target(filepath)
    report = ExportReport(filepath=path)
    started = time.perf_counter()
    scene = context.scene
    frames = frame_range(scene, options)
    report.frames = (frames[0], frames[-1])

    def write(staging, evaluated, skins):
        """Writes the export into `staging` and returns the file to put at `path`."""
        name = os.path.basename(path)
        out = os.path.join(staging, name)
        if name.lower().endswith(".usdz"):
            layer = os.path.join(staging, os.path.splitext(name)[0] + ".usdc")
            _export_to(layer, context, options, frames, report, progress, evaluated, skins)
            if not pack(layer, out):
                raise ExportError(f"USD could not write the package {path}")
            shutil.rmtree(os.path.join(staging, TEXTURES), ignore_errors=True)  # packed, not beside it
        else:
            _export_to(out, context, options, frames, report, progress, evaluated, skins)
        if options.validate or options.strict:
            _validate(out, path, report)
        return out

    with preserved(context), evaluation(scene, context.view_layer, options.evaluation_mode,
                                         include_hidden=not options.visible_only) as evaluated:
        skins = _plan_skins(context, options, report, evaluated)
        evaluated.switch_off(armature_modifiers(skins))
        _write_atomically(path, lambda staging: write(staging, evaluated, skins), options, report)
    report.seconds = time.perf_counter() - started
    return report


def _write_atomically(path, write, options, report):
    """Writes the export into a staging folder beside `path`, the file with its textures below it,
    as they will stand. Only a complete (and, when strict, compliant) export moves into place,
    textures first, then the file over `path` by a rename; otherwise the staging folder goes and
    nothing of the export is left, the previous file and its textures untouched."""
    folder, name = os.path.split(path)
    staging = tempfile.mkdtemp(prefix=f".{os.path.splitext(name)[0]}.", dir=folder)
    try:
        written = write(staging)
        if options.strict and not report.compliant:
            raise ExportError(f"the export is not Miris-compliant ({len(report.errors)} error(s)); "
                              f"nothing was written to {path}")
        _move_textures(staging, folder)
        os.replace(written, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


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


def _export_to(layer_path, context, options, frames, report, progress, evaluated, skins):
    """Writes the layer at `layer_path`; textures go below its folder. `evaluated` (see
    blender/evaluation.py) is told of each frame change; `skins` are the meshes written skinned."""
    import bpy

    from pxr import Sdf

    from .blender.animation import scene_may_change
    from .session import ExportSession
    from .usd import stage as usd_stage
    from .usd.hierarchy import UsdHierarchy
    from .writers import SCENE_WRITERS

    scene = context.scene
    stage = usd_stage.create_stage(layer_path)
    session = ExportSession(
        stage=stage,
        options=options,
        report=report,
        view_layer=context.view_layer,
        top_matrix=usd_stage.top_matrix(scene.unit_settings.scale_length or 1.0),
        export_dir=os.path.dirname(layer_path),
        animated=len(frames) > 1,
        first_frame=frames[0],
        evaluation=evaluated,
        skins=skins,
    )
    hierarchy = UsdHierarchy(session)
    scene_writers = [cls(session, scene) for cls in SCENE_WRITERS]
    # Over a range where nothing can change, the first frame stands for all: every value is
    # written as a default, as it would be after sampling each frame.
    evaluated_frames = frames if session.animated and scene_may_change(scene) else frames[:1]
    for done, frame in enumerate(evaluated_frames):
        if progress is not None:
            progress(done / len(evaluated_frames))
        if session.animated or scene.frame_current != frame or scene.frame_subframe:
            scene.frame_set(frame)
            evaluated.frame_changed()
        report.frames_evaluated += 1
        session.frame = frame
        depsgraph = context.evaluated_depsgraph_get()
        hierarchy.iterate(depsgraph)
        with Sdf.ChangeBlock():
            for writer in scene_writers:
                _guarded(report, writer, writer.write, scene, depsgraph, frame)
    hierarchy.finish()
    if not report.prims["Xform"]:  # every exported object is an Xform
        report.warn(_nothing_exported(options))
    for writer in scene_writers:
        _guarded(report, writer, writer.finish)
    if session.animated:
        usd_stage.set_time_range(stage, frames[0], frames[-1], scene.render.fps / scene.render.fps_base)
    source = os.path.basename(bpy.data.filepath) or "unsaved scene"
    usd_stage.set_provenance(
        stage,
        creator=f"Miris USD exporter {__version__}",
        blenderVersion=bpy.app.version_string,
        sourceFile=source,
    )
    stage.GetRootLayer().Save()
