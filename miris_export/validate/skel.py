"""Skeletal animation: what UsdSkel needs to skin a mesh the way its file says.

OpenUSD's usdSkel validators (SkelBindingAPI applied where skel: properties are
authored, and only under a SkelRoot) run with the others; these rules check
what they leave to the renderer: a binding that reaches its Skeleton, joint
influences that fit it, and an animation that drives it.
"""
import numpy as np
from pxr import Usd, UsdGeom, UsdSkel

from .finding import COMPOSED, rule

SKELETAL = "Skeletal Animation"
# Weights written as float32 and normalised: a sum further from one than this is not rounding.
_WEIGHT_SUM_TOLERANCE = 1e-3


def _skel_root(prim):
    while prim and not prim.IsPseudoRoot():
        if prim.IsA(UsdSkel.Root):
            return prim
        prim = prim.GetParent()
    return None


def _value(attr):
    """The attribute's value, its first time sample when it has samples."""
    return attr.Get(Usd.TimeCode.EarliestTime()) if attr and attr.HasAuthoredValue() else None


def _skinned(subject):
    """(prim, binding) of every prim that carries joint influences. A skel:skeleton alone binds the
    prims below, which UsdSkel allows."""
    for prim in subject.prims:
        if not prim.HasAPI(UsdSkel.BindingAPI) or prim.IsA(UsdSkel.Skeleton):
            continue
        binding = UsdSkel.BindingAPI(prim)
        if binding.GetJointIndicesAttr().HasAuthoredValue() or binding.GetJointWeightsAttr().HasAuthoredValue():
            yield prim, binding


def _bound_skeleton(prim):
    """The Skeleton a prim binds (its own skel:skeleton or an ancestor's), or None."""
    while prim and not prim.IsPseudoRoot():
        if prim.HasAPI(UsdSkel.BindingAPI):
            targets = UsdSkel.BindingAPI(prim).GetSkeletonRel().GetForwardedTargets()
            if targets:
                return prim.GetStage().GetPrimAtPath(targets[0])
        prim = prim.GetParent()
    return None


@rule(COMPOSED)
def skinned_under_skel_root(subject):
    """The skinned prim and the Skeleton it binds sit under one SkelRoot, or nothing skins it."""
    for prim, _ in _skinned(subject):
        root = _skel_root(prim)
        skeleton = _bound_skeleton(prim)
        if skeleton is None or not skeleton.IsA(UsdSkel.Skeleton):
            yield subject.error("miris:SkelBinding", prim.GetPath(), "skinned, but skel:skeleton does not name a "
                                "Skeleton", SKELETAL)
        elif root is None or _skel_root(skeleton) != root:
            yield subject.error("miris:SkelBinding", prim.GetPath(), f"the skinned prim and its Skeleton "
                                f"{skeleton.GetPath()} are not under one SkelRoot", SKELETAL)


@rule(COMPOSED)
def joint_influences(subject):
    """jointIndices and jointWeights agree in element size and length, the indices name joints of the
    Skeleton (or of the prim's skel:joints), and each point's weights sum to one."""
    for prim, binding in _skinned(subject):
        indices_pv, weights_pv = binding.GetJointIndicesPrimvar(), binding.GetJointWeightsPrimvar()
        indices, weights = _value(indices_pv.GetAttr()), _value(weights_pv.GetAttr())
        if indices is None or weights is None:
            yield subject.error("miris:SkelInfluences", prim.GetPath(), "skinned without both "
                                "primvars:skel:jointIndices and primvars:skel:jointWeights", SKELETAL)
            continue
        size = indices_pv.GetElementSize()
        if weights_pv.GetElementSize() != size:
            yield subject.error("miris:SkelInfluences", prim.GetPath(), f"jointIndices elementSize {size} and "
                                f"jointWeights elementSize {weights_pv.GetElementSize()} differ", SKELETAL)
            continue
        expected = size
        if indices_pv.GetInterpolation() == UsdGeom.Tokens.vertex and prim.IsA(UsdGeom.PointBased):
            points = _value(UsdGeom.PointBased(prim).GetPointsAttr())
            expected = size * (len(points) if points is not None else 0)
        if len(indices) != expected or len(weights) != expected:
            yield subject.error("miris:SkelInfluences", prim.GetPath(), f"{len(indices)} joint indices and "
                                f"{len(weights)} weights; elementSize {size} over the points needs {expected}",
                                SKELETAL)
            continue
        joints = _value(binding.GetJointsAttr())
        if joints is None:
            skeleton = _bound_skeleton(prim)
            joints = _value(UsdSkel.Skeleton(skeleton).GetJointsAttr()) if skeleton else None
        indices = np.asarray(indices)
        if joints is not None and len(indices) and (indices.min() < 0 or indices.max() >= len(joints)):
            yield subject.error("miris:SkelInfluences", prim.GetPath(), f"joint indices out of range: the "
                                f"Skeleton has {len(joints)} joints, indices go from {indices.min()} to "
                                f"{indices.max()}", SKELETAL)
        sums = np.asarray(weights, np.float64).reshape(-1, max(size, 1)).sum(axis=1)
        off = np.flatnonzero(np.abs(sums - 1.0) > _WEIGHT_SUM_TOLERANCE)
        if len(off):
            yield subject.error("miris:SkelWeights", prim.GetPath(), f"the weights of {len(off)} point(s) do "
                                f"not sum to one (point {off[0]}: {sums[off[0]]:.4g})", SKELETAL)


@rule(COMPOSED)
def animation_source(subject):
    """A Skeleton's skel:animationSource is a SkelAnimation whose joints the Skeleton lists."""
    for prim in subject.prims:
        if not prim.IsA(UsdSkel.Skeleton) or not prim.HasAPI(UsdSkel.BindingAPI):
            continue
        targets = UsdSkel.BindingAPI(prim).GetAnimationSourceRel().GetForwardedTargets()
        if not targets:
            continue
        animation = subject.stage.GetPrimAtPath(targets[0])
        if not animation or not animation.IsA(UsdSkel.Animation):
            yield subject.error("miris:SkelAnimationSource", prim.GetPath(), f"skel:animationSource "
                                f"{targets[0]} is not a SkelAnimation", SKELETAL)
            continue
        listed = set(_value(UsdSkel.Skeleton(prim).GetJointsAttr()) or [])
        unknown = [j for j in _value(UsdSkel.Animation(animation).GetJointsAttr()) or [] if j not in listed]
        if unknown:
            yield subject.error("miris:SkelAnimationSource", prim.GetPath(), f"its SkelAnimation "
                                f"{animation.GetPath()} animates {len(unknown)} joint(s) the Skeleton does not "
                                f"list, e.g. {unknown[0]}", SKELETAL)
