"""The shared text pipeline: decode → extract → normalize → segment."""
