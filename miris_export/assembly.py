"""Linked assets as files of their own (option linked_as_references): written once, kept while
their library does not change, moved into place with the scene's file.

Each collection linked from a library and instanced in the scene (hierarchy/linked.py) is
exported by the same exporter, with the same options, from a temporary scene holding only
that collection (removed afterwards), to `Assets/<library>/<collection>/<collection>.usdc`
(`.usda` for a `.usda` export) beside the output, with its own `Textures/`. A `stamp.json`
beside it records what the file was made from: the library's content digest (and those of the
libraries it links), the collection, the options, the frame range and rate, the unit scale and
the exporter's and Blender's versions. The next export into that folder writes the asset again
only when one of them differs (or the file is gone); else it keeps the file.
"""
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, replace

from .hierarchy.linked import LinkedAsset, library_path, linked_instancers
from .usd.naming import identifier

ASSETS = "Assets"
STAMP = "stamp.json"


@dataclass(frozen=True)
class AssetFile:
    asset: LinkedAsset
    file: str  # relative to the export folder, with "/": "Assets/<library>/<collection>/<collection>.usdc"
    shape: object  # usd.references.AssetShape


def write_assets(context, options, frames, path, staging, report, evaluated):
    """Writes (or keeps) the file of each linked asset the exported objects instance, below `staging`
    as it will stand beside `path`; `evaluated`: the export's Evaluation. Returns ({instancer key:
    AssetFile}, [folders written, relative])."""
    from .exporter import ExportError
    from .hierarchy.iterator import ObjectFilter
    from .usd.references import read_shape

    wanted = ObjectFilter(options, context.view_layer, evaluated)
    instancers = linked_instancers(context.evaluated_depsgraph_get(), wanted)
    if not instancers:
        return {}, []
    folder = os.path.dirname(path)
    if os.path.lexists(os.path.join(folder, ASSETS)) and not os.path.isdir(os.path.join(folder, ASSETS)):
        raise ExportError(f"cannot export to {path}: {os.path.join(folder, ASSETS)} is a file, not a folder: "
                          "the linked assets cannot be written beside the file (rename or move it)")
    ext = ".usda" if path.lower().endswith(".usda") else ".usdc"
    asset_options = replace(options, linked_as_references=False, collection="", selected_only=False,
                            frame_start=frames[0], frame_end=frames[-1])
    files, written, taken = {}, [], set()
    for asset in sorted(set(instancers.values()), key=lambda a: (a.library, a.collection)):
        rel = _folder(asset, taken)
        name = f"{identifier(asset.name)}{ext}"
        stamp = _stamp(asset, asset_options, context.scene, frames, name)
        kept, staged = os.path.join(folder, *rel.split("/")), os.path.join(staging, *rel.split("/"))
        old = _read_stamp(kept)
        if old is not None and {**old, "default_light": ""} == stamp and os.path.isfile(os.path.join(kept, name)):
            _stage_kept(kept, staged)
            stamp = old
            report.info(f"linked asset {asset.name}: {rel}/{name} is up to date, kept")
        else:
            os.makedirs(staged)
            asset_report = _export_asset(context, asset, os.path.join(staged, name), asset_options)
            stamp["default_light"] = asset_report.default_light
            with open(os.path.join(staged, STAMP), "w", encoding="utf-8") as out:
                json.dump(stamp, out, indent=2, sort_keys=True)
            written.append(rel)
            report.info(f"linked asset {asset.name}: written to {rel}/{name}")
            for line in asset_report.warnings:
                if not (asset_report.default_light and asset_report.default_light in line):  # deactivated here
                    report.warn(f"linked asset {asset.name}: {line}")
        shape = read_shape(os.path.join(staged, name), stamp["default_light"])
        for key, instanced in instancers.items():
            if instanced == asset:
                files[key] = AssetFile(asset, f"{rel}/{name}", shape)
    return files, written


def move_assets(staging, folder, written):
    """Moves the asset folders written into `staging` to their place beside the file, each over
    the one it replaces."""
    for rel in written:
        source, target = os.path.join(staging, *rel.split("/")), os.path.join(folder, *rel.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        old = None
        if os.path.lexists(target):
            old = f"{target}.old-{os.getpid()}"
            os.replace(target, old)
        os.replace(source, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _folder(asset, taken):
    """`Assets/<library>/<collection>`, unique in this export (two libraries of one name)."""
    base = f"{ASSETS}/{identifier(asset.library_stem)}/{identifier(asset.name)}"
    rel, n = base, 0
    while rel in taken:
        n += 1
        rel = f"{base}_{n}"
    taken.add(rel)
    return rel


def _stamp(asset, options, scene, frames, name):
    """What the asset file is made from; a file with another stamp is written again."""
    import bpy

    from . import __version__
    from .farm.chunks import options_key

    return {
        "file": name,
        "collection": asset.collection,
        "library": os.path.basename(asset.library),
        "libraries": _library_digests(asset.library),
        "options": options_key(options),
        "frames": [frames[0], frames[-1]],
        "fps": scene.render.fps / scene.render.fps_base,
        "scale": scene.unit_settings.scale_length,
        "exporter": __version__,
        "blender": bpy.app.version_string,
        "default_light": "",  # what the export added, known once written
    }


def _library_digests(path):
    """{file name: content digest} of the library and of the libraries it links (Blender knows them
    as its children once the scene is loaded)."""
    import bpy

    wanted, digests = {os.path.normcase(path)}, {}
    libraries = list(bpy.data.libraries)
    grew = True
    while grew:  # libraries linked by libraries already wanted
        grew = False
        for library in libraries:
            own = os.path.normcase(library_path(library))
            if own not in wanted and library.parent is not None \
                    and os.path.normcase(library_path(library.parent)) in wanted:
                wanted.add(own)
                grew = True
    for file in sorted(wanted):
        digests[os.path.basename(file)] = _digest(file)
    return digests


def _digest(path):
    if not os.path.isfile(path):
        return "missing"
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_stamp(folder):
    try:
        with open(os.path.join(folder, STAMP), encoding="utf-8") as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def _stage_kept(kept, staged):
    """Shows a kept asset folder at its place in the staging folder, for validation and packing:
    a link where the system allows one, else a copy."""
    os.makedirs(os.path.dirname(staged), exist_ok=True)
    try:
        os.symlink(os.path.abspath(kept), staged, target_is_directory=True)
    except OSError:
        shutil.copytree(kept, staged)


def _export_asset(context, asset, path, options):
    """Exports the linked collection alone, from a temporary scene with the scene's units, frame
    range, rate and simplify settings, removed afterwards. Returns the export's report."""
    import bpy

    from .exporter import export

    shot = context.scene
    scene = bpy.data.scenes.new(f"{asset.name} (Miris asset)")
    try:
        scene.unit_settings.scale_length = shot.unit_settings.scale_length
        for prop in ("fps", "fps_base", "use_simplify", "simplify_subdivision", "simplify_subdivision_render",
                     "simplify_child_particles", "simplify_child_particles_render"):
            setattr(scene.render, prop, getattr(shot.render, prop))
        scene.frame_start, scene.frame_end = shot.frame_start, shot.frame_end
        scene.frame_current = shot.frame_current
        scene.collection.children.link(next(c for c in bpy.data.collections if c.name_full == asset.collection))
        with bpy.context.temp_override(scene=scene, view_layer=scene.view_layers[0]):
            return export(path, options, context=bpy.context, source=os.path.basename(asset.library))
    finally:
        bpy.data.scenes.remove(scene)
