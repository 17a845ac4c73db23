"""Asset paths (textures, references, payloads, sublayers): relative, and resolving to a file."""
import re

from pxr import Ar, Sdf

from .finding import ALL_ROLES, rule

TEXTURES = "Texture Rules"
CONFORMANCE = "Conformance"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # two letters or more: "C:" is a drive, seen below
_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")
_ASSET_TYPES = {Sdf.ValueTypeNames.Asset, Sdf.ValueTypeNames.AssetArray}


def _values(value):
    if isinstance(value, Sdf.AssetPath):
        return [value.path]
    if value is None:
        return []
    return [v.path for v in value if isinstance(v, Sdf.AssetPath)]


def asset_paths(layer):
    """(site, asset path) for every asset this layer names: composition arcs and asset-valued
    attributes, defaults and time samples, variants included."""
    for path in layer.GetCompositionAssetDependencies():
        if path:  # an internal reference has none (see composition.internal_references)
            yield "", path, True
    found = []

    def visit(path):
        if not path.IsPropertyPath():
            return
        spec = layer.GetAttributeAtPath(path)
        if not spec or spec.typeName not in _ASSET_TYPES:
            return
        values = _values(spec.default) if spec.HasDefaultValue() else []
        for time in layer.ListTimeSamplesForPath(path):
            values += _values(layer.QueryTimeSample(path, time))
        found.extend((path, v, False) for v in dict.fromkeys(values) if v)

    layer.Traverse(Sdf.Path.absoluteRootPath, visit)
    yield from found


def is_absolute(asset):
    return asset.startswith(("/", "\\")) or bool(_DRIVE.match(asset)) or bool(_SCHEME.match(asset))


def resolves(layer, asset):
    target = layer.ComputeAbsolutePath(asset.replace("<UDIM>", "1001"))
    return bool(Ar.GetResolver().Resolve(target))


@rule(ALL_ROLES)
def asset_path_rules(subject):
    layer = subject.layer
    packaged = subject.path.lower().endswith(".usdz") or Ar.IsPackageRelativePath(layer.identifier)
    for site, asset, arc in asset_paths(layer):
        where = "layer" if arc else "attribute"
        section = CONFORMANCE if arc else TEXTURES
        if is_absolute(asset):
            yield subject.error("miris:RelativeAssetPath", site, f"absolute asset path @{asset}@ ({where}); "
                                "asset paths must be relative", section)
            continue
        if packaged and ".." in re.split(r"[\\/]", asset):
            yield subject.error("miris:UsdzPackage", site, f"asset path @{asset}@ leaves the package", section)
            continue
        if not resolves(layer, asset):
            yield subject.error("miris:AssetResolves", site, f"@{asset}@ does not resolve to a file", section)
