"""The grid view mode: a folder's objects as tiles, images with lazily loaded thumbnails."""

from coachadmin.ui.thumbnails.grid import ThumbnailGrid

__all__ = ["ThumbnailGrid"]
