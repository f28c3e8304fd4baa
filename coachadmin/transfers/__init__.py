"""The transfer engine without Qt: multipart upload, journal, download, queue, progress."""
