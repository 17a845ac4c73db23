"""Point clouds and curves objects read back from the file."""
import bpy
import numpy as np
from pxr import UsdGeom

from helpers import array


def geometry_nodes(obj, build):
    """Gives `obj` a geometry-nodes modifier whose tree `build(tree, group_input)` returns the output socket."""
    tree = bpy.data.node_groups.new("Nodes", "GeometryNodeTree")
    tree.interface.new_socket("Geometry", in_out="INPUT", socket_type="NodeSocketGeometry")
    tree.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    group_in = tree.nodes.new("NodeGroupInput")
    group_out = tree.nodes.new("NodeGroupOutput")
    tree.links.new(build(tree, group_in.outputs[0]), group_out.inputs[0])
    obj.modifiers.new("Nodes", "NODES").node_group = tree


def test_point_cloud_positions_and_widths(scene, export):
    bpy.ops.mesh.primitive_plane_add(size=2.0)
    plane = bpy.context.object

    def to_points(tree, geometry):
        node = tree.nodes.new("GeometryNodeMeshToPoints")
        node.inputs["Radius"].default_value = 0.25
        tree.links.new(geometry, node.inputs["Mesh"])
        return node.outputs["Points"]

    geometry_nodes(plane, to_points)
    report, stage = export(animation=False)
    points = UsdGeom.Points(stage.GetPrimAtPath("/Root/Plane").GetChildren()[0])
    assert np.allclose(sorted(map(tuple, array(points.GetPointsAttr()))), sorted(v.co[:] for v in plane.data.vertices))
    assert np.allclose(array(points.GetWidthsAttr()), 0.5)
    assert points.GetWidthsInterpolation() == "vertex"
    assert np.allclose(array(points.GetExtentAttr()), [[-1.25, -1.25, -0.25], [1.25, 1.25, 0.25]])
    assert report.prims["Points"] == 1


def test_hair_curves_are_catmull_rom_basis_curves(scene, export):
    curves = bpy.data.hair_curves.new("Hair")
    curves.add_curves([3, 4])
    n = len(curves.points)
    positions = np.random.default_rng(1).random((n, 3), dtype=np.float32)
    curves.attributes["position"].data.foreach_set("vector", positions.ravel())
    obj = bpy.data.objects.new("Fur", curves)
    scene.collection.objects.link(obj)
    _, stage = export(animation=False)
    basis = UsdGeom.BasisCurves(stage.GetPrimAtPath("/Root/Fur/Hair"))
    assert list(array(basis.GetCurveVertexCountsAttr())) == [3, 4]
    assert basis.GetTypeAttr().Get() == "cubic" and basis.GetBasisAttr().Get() == "catmullRom"
    assert basis.GetWrapAttr().Get() == "pinned"
    assert np.allclose(array(basis.GetPointsAttr()), positions)
