"""Exports beyond one process: frame chunks stitched into one file, OpenJD job bundles, batch export."""
