"""Chunks of one export stitched into the file a single export of the whole range writes.

A chunk (`export(..., chunk_of=(first, last))`) writes every value it meets as
a time sample, marked with how it was written and where the writer saw it
change (see usd.sparse). The stitch joins each attribute's calls over the
chunks and replays them through the writer's own sparse code, so defaults,
samples and the samples dropped come out as one export over the whole range
would have written them. What a chunk writes once (topology, materials) is
taken from the earliest chunk that has it, as a single export reads it when
it first meets it. Visibility comes from where each object exists, over all
chunks, by the rule the exporter uses.
"""
import filecmp
import glob
import os
import shutil
import time

import numpy as np

from .. import usd  # noqa: F401  (Blender's own pxr first, when bpy is loaded)
from ..exporter import ExportError, _validate, _write_atomically, check_target
from ..options import ExportOptions
from ..report import ExportReport
from ..usd.sparse import CHUNK_KEY, SampledAttribute, write_gathered
from ..usd.textures import TEXTURES, UDIM_TOKEN
from ..usd.usdz import pack
from ..writers.xform import MATRIX, author_ops


class StitchError(ExportError):
    """Chunks that cannot be stitched: a gap, an overlap, or chunks of different exports."""


def stitch(filepath, chunks, validate=True):
    """Writes the chunk files `chunks` (any order) as one file at `filepath` (.usdc, .usda or .usdz);
    returns an ExportReport."""
    from pxr import Sdf, Usd

    started = time.perf_counter()
    path = check_target(filepath)
    layers = _open_chunks(chunks)
    first, last = layers[0][1]["first"], layers[0][1]["last"]
    report = ExportReport(filepath=path, frames=(first, last))
    report.info(f"Stitched {len(layers)} chunk(s): " + ", ".join(f"{m['start']}-{m['end']}" for _, m, _ in layers))

    def write(staging):
        name = os.path.basename(path)
        packed = name.lower().endswith(".usdz")
        out_path = os.path.join(staging, os.path.splitext(name)[0] + ".usdc" if packed else name)
        os.makedirs(staging, exist_ok=True)
        out = Sdf.Layer.CreateNew(out_path)
        _merge_specs(out, layers)
        stage = Usd.Stage.Open(out)
        for attr_path in _chunk_attributes(out):
            _replay(stage, out, attr_path, layers)
        _finish_layer(out, layers[0][0], first, last)
        out.Save()
        _gather_textures(layers, staging)
        for prim in stage.Traverse():
            report.count(prim.GetTypeName() or "Over")
        if packed:  # the layer and its textures in one package, as the exporter makes it
            layer_path, out_path = out_path, os.path.join(staging, name)
            if not pack(layer_path, out_path):
                raise StitchError(f"USD could not write the package {path}")
            shutil.rmtree(os.path.join(staging, TEXTURES), ignore_errors=True)
        if validate:
            _validate(out_path, path, report)
        yield 1.0  # a generator, as _write_atomically takes the exporter's
        return out_path

    for _ in _write_atomically(path, write, ExportOptions(validate=validate), report):
        pass
    report.seconds = time.perf_counter() - started
    return report


def _open_chunks(chunks):
    """(layer, chunk metadata, file) of each chunk, in frame order, checked to tile one range of one export."""
    from pxr import Sdf

    if not chunks:
        raise StitchError("no chunk to stitch")
    layers = []
    for chunk in chunks:
        chunk = os.path.abspath(os.fspath(chunk))
        if not os.path.isfile(chunk):
            raise StitchError(f"no such chunk file: {chunk}")
        try:
            layer = Sdf.Layer.FindOrOpen(chunk)
        except Exception as error:  # noqa: BLE001  (USD's own error types differ between versions)
            raise StitchError(f"{chunk} could not be read: {error}") from error
        if layer is None:
            raise StitchError(f"{chunk} could not be read")
        meta = dict(layer.customLayerData).get(CHUNK_KEY)
        if meta is None:
            raise StitchError(f"{os.path.basename(chunk)} is not a chunk (export it with a chunk range)")
        layers.append((layer, dict(meta), chunk))
    layers.sort(key=lambda item: item[1]["start"])
    base_layer, base, base_file = layers[0]
    for layer, meta, file in layers[1:]:
        for key, what in (("first", "frame range"), ("last", "frame range"), ("options", "options")):
            if meta[key] != base[key]:
                raise StitchError(f"{os.path.basename(file)} and {os.path.basename(base_file)} are chunks of "
                                  f"different exports: their {what} differ")
        for key in ("timeCodesPerSecond", "customLayerData"):
            mine, theirs = _layer_info(layer, key), _layer_info(base_layer, key)
            if mine != theirs:
                raise StitchError(f"{os.path.basename(file)} and {os.path.basename(base_file)} are chunks of "
                                  f"different exports: their {key} differ")
    expected, previous = base["first"], None
    for layer, meta, file in layers:
        name = os.path.basename(file)
        if meta["start"] > expected:
            raise StitchError(f"frames {expected}-{meta['start'] - 1} are missing: no chunk holds them")
        if meta["start"] < expected:
            raise StitchError(f"frames {meta['start']}-{min(expected - 1, meta['end'])} are in two chunks: "
                              f"{previous} and {name}")
        expected, previous = meta["end"] + 1, name
    if expected <= base["last"]:
        raise StitchError(f"frames {expected}-{base['last']} are missing: no chunk holds them")
    return layers


def _layer_info(layer, key):
    value = layer.pseudoRoot.GetInfo(key)
    if key == "customLayerData":
        value = {k: v for k, v in dict(value).items() if k != CHUNK_KEY}
    return value


def _merge_specs(out, layers):
    """The first chunk's layer, with what later chunks define that it lacks (objects that appear
    later, attributes first written later). A prim two chunks define must be of one type."""
    from pxr import Sdf

    out.TransferContent(layers[0][0])
    for layer, _, file in layers[1:]:
        def visit(path):
            spec = layer.GetObjectAtPath(path)
            mine = out.GetObjectAtPath(path)
            if mine is None:
                Sdf.CopySpec(layer, path, out, path)
                return
            if isinstance(spec, Sdf.PrimSpec):
                theirs, ours = spec.customData.get(CHUNK_KEY), mine.customData.get(CHUNK_KEY)
                if theirs != ours:
                    raise StitchError(f"{os.path.basename(file)} does not match the other chunks: {path} is "
                                      f"{_object(theirs)} there, {_object(ours)} in another (names that collide, "
                                      "met in another order; rename one)")
                if mine.typeName != spec.typeName:
                    raise StitchError(f"{os.path.basename(file)} does not match the other chunks: {path} is a "
                                      f"{spec.typeName or 'typeless prim'} there, a {mine.typeName or 'typeless prim'} "
                                      "in another")
                for prop in spec.properties:
                    visit(prop.path)
                for child in spec.nameChildren:
                    visit(child.path)
        for child in layer.pseudoRoot.nameChildren:
            visit(child.path)


def _object(key):
    """The Blender object an exported object's key names, for an error message."""
    return f"the object {key}" if key else "no object"


def _chunk_attributes(out):
    """Paths of the attributes a chunk wrote densely (marked in their customData)."""
    from pxr import Sdf

    found = []

    def visit(spec):
        if CHUNK_KEY in spec.customData:  # the object's key, checked by _merge_specs
            _drop_chunk_data(spec)
        for attr in spec.attributes:
            if CHUNK_KEY in attr.customData:
                found.append(attr.path)
        for child in spec.nameChildren:
            visit(child)

    for prim in out.pseudoRoot.nameChildren:
        visit(prim)
    return [Sdf.Path(p) for p in found]


def _calls(layers, path):
    """Each chunk's calls on the attribute: (kind, [(time, value, changed)]) with changed None where the
    chunk did not see the call before (its first call), and lead-in frames dropped."""
    kind, calls = None, []
    for layer, meta, _ in layers:
        spec = layer.GetAttributeAtPath(path)
        if spec is None:
            continue
        record = dict(spec.customData[CHUNK_KEY])
        kind = record["kind"]
        changed = {float(t) for t in record["changed"]}
        seen = False
        for t in layer.ListTimeSamplesForPath(path):
            if t >= meta["start"]:
                calls.append((t, layer.QueryTimeSample(path, t), (t in changed) if seen else None))
            seen = True
    return kind, calls


def _same(a, b):
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001
        return False


def _replay(stage, out, path, layers):
    spec = out.GetAttributeAtPath(path)
    kind, calls = _calls(layers, path)
    for t in out.ListTimeSamplesForPath(path):
        out.EraseTimeSample(path, t)
    _drop_chunk_data(spec)
    attr = stage.GetAttributeAtPath(path)
    if kind in ("presence", "drawn"):
        _replay_visibility(out, attr, kind, layers)
        return
    if not calls:  # written only at lead-in frames, which their own chunk has
        return
    changed = [c if c is not None else (i > 0 and not _same(v, calls[i - 1][1]))
               for i, (_, v, c) in enumerate(calls)]
    if kind == "gathered" and path.name == MATRIX:  # a transform: split over the whole range, as one export does
        _replay_transform(out, path, calls)
        return
    if kind == "gathered":
        write_gathered(attr, [t for t, _, _ in calls], [v for _, v, _ in calls], np.array(changed[1:], bool))
        return
    current = {"changed": False}
    sampler = SampledAttribute(attr, same=lambda a, b: not current["changed"])
    for (t, value, _), flag in zip(calls, changed):
        current["changed"] = flag
        sampler.set(value, t)


def _replay_transform(out, path, calls):
    """The chunks' matrices of one Xform, written as its transform ops over the whole range."""
    prim_path = path.GetPrimPath()
    spec = out.GetPrimAtPath(prim_path)
    spec.RemoveProperty(spec.attributes[MATRIX])
    spec.RemoveProperty(spec.attributes["xformOpOrder"])
    # Gf matrices act on row vectors: the transpose of Blender's.
    matrices = np.array([np.array(value).T for _, value, _ in calls])
    author_ops(spec, [t for t, _, _ in calls], matrices)


def _drop_chunk_data(spec):
    custom = dict(spec.customData)
    del custom[CHUNK_KEY]
    spec.ClearInfo("customData")
    if custom:
        spec.customData = custom


def _visible_states(layers, path):
    """{frame: whether the record says visible} from each chunk's own frames (see Writer.record_visible)."""
    from pxr import UsdGeom

    states = {}
    for layer, meta, _ in layers:
        for t in layer.ListTimeSamplesForPath(path) if layer.GetAttributeAtPath(path) else ():
            if meta["start"] <= t <= meta["end"]:
                states[int(t)] = layer.QueryTimeSample(path, t) != UsdGeom.Tokens.invisible
    return states


def _replay_visibility(out, attr, kind, layers):
    """The visibility the exporter writes (usd.hierarchy.frame_done) over the whole range: on an
    object's Xform ("presence") where it is absent at some frame, on its data ("drawn") where the object
    draws nothing at some frame or its data came later than the object; none where neither happens."""
    from pxr import UsdGeom

    path = attr.GetPath()
    states = _visible_states(layers, path)
    first, last = layers[0][1]["first"], layers[0][1]["last"]
    calls = []  # (visible, frame) of each Writer.set_visible call
    if kind == "presence":
        created = min((f for f, here in states.items() if here), default=None)
        tracked = False
        for f in range(created, last + 1) if created is not None else ():
            here = states.get(f, False)
            if f == created and f != first:
                calls += [(False, first), (True, f)]
                tracked = True
            if tracked or not here:
                calls.append((here, f))
                tracked = True
    else:
        made = min(states, default=None)  # the data writer's first frame
        owner = _visible_states(layers, path.GetPrimPath().GetParentPath().AppendProperty("visibility"))
        late = made is not None and made > min((f for f, here in owner.items() if here), default=made)
        tracked = False
        for f in range(made, last + 1) if made is not None else ():
            drawn = states.get(f, True)
            if f == made and late:
                calls.append((False, first))
                tracked = True
            if tracked or not drawn:
                calls.append((drawn, f))
                tracked = True
    if not calls:
        out.GetPrimAtPath(path.GetPrimPath()).RemoveProperty(out.GetAttributeAtPath(path))
        return
    sampler = SampledAttribute(attr)
    started = False
    for visible, t in calls:  # as Writer.set_visible
        if not started and t != first:
            sampler.set(UsdGeom.Tokens.inherited, first)
        started = True
        sampler.set(UsdGeom.Tokens.inherited if visible else UsdGeom.Tokens.invisible, t)


def _finish_layer(out, base, first, last):
    custom = dict(out.customLayerData)
    custom.pop(CHUNK_KEY, None)
    out.customLayerData = custom
    out.startTimeCode, out.endTimeCode = first, last
    out.timeCodesPerSecond = base.timeCodesPerSecond
    out.framesPerSecond = base.framesPerSecond


def _gather_textures(layers, staging):
    """Copies the texture files the chunks reference into the staging `Textures/`; one name must be
    the same bytes in every chunk."""
    from pxr import Sdf

    copied = {}
    for layer, _, file in layers:
        folder = os.path.dirname(file)
        for asset in _asset_paths(layer, Sdf):
            if not asset.startswith(f"./{TEXTURES}/"):
                continue
            pattern = os.path.join(folder, asset[2:])
            sources = glob.glob(glob.escape(pattern).replace(glob.escape(UDIM_TOKEN), "[0-9]" * 4)) \
                if UDIM_TOKEN in asset else [pattern]
            for source in sources:
                name = os.path.basename(source)
                if not os.path.isfile(source):
                    raise StitchError(f"{os.path.basename(file)} references {asset}, which is not beside it")
                if name in copied:
                    if not filecmp.cmp(copied[name], source, shallow=False):
                        raise StitchError(f"the texture {name} differs between {copied[name]} and {source}: "
                                          "the chunks are of different exports")
                    continue
                target = os.path.join(staging, TEXTURES, name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(source, target)
                copied[name] = source


def _asset_paths(layer, Sdf):
    found = set()

    def visit(spec):
        for attr in spec.attributes:
            if attr.typeName == Sdf.ValueTypeNames.Asset and attr.default is not None:
                found.add(attr.default.path)
        for child in spec.nameChildren:
            visit(child)

    for prim in layer.pseudoRoot.nameChildren:
        visit(prim)
    return found
