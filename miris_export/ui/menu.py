"""The File > Export menu entry."""
import bpy

from .operator import EXPORT_SCENE_OT_miris_usd

MENU_TEXT = "Miris USD (.usdc, .usda, .usdz)"


def draw(self, context):
    self.layout.operator(EXPORT_SCENE_OT_miris_usd.bl_idname, text=MENU_TEXT)


def register():
    bpy.types.TOPBAR_MT_file_export.append(draw)


def unregister():
    bpy.types.TOPBAR_MT_file_export.remove(draw)
