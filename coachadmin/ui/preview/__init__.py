"""The preview pane: images, video and audio, text, and links through presigned URLs."""

from coachadmin.ui.preview.pane import PreviewPane

__all__ = ["PreviewPane"]
