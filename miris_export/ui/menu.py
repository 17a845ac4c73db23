"""The File > Export menu entries: the export and the validation of any USD file."""
import bpy

from .operator import EXPORT_SCENE_OT_miris_usd
from .validate_operator import WM_OT_miris_usd_validate

MENU_TEXT = "Miris USD (.usdc, .usda, .usdz)"


def draw(self, context):
    self.layout.operator(EXPORT_SCENE_OT_miris_usd.bl_idname, text=MENU_TEXT)
    self.layout.operator(WM_OT_miris_usd_validate.bl_idname, text="Validate Miris USD...")


def register():
    bpy.types.TOPBAR_MT_file_export.append(draw)


def unregister():
    bpy.types.TOPBAR_MT_file_export.remove(draw)
