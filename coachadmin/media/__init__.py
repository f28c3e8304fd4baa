"""Lesson media without Qt: probe a video, judge whether students can play it, fix it losslessly.

``source`` reads bytes from a local file or a remote object, ``boxes`` walks ISO-BMFF
(MP4/QuickTime) boxes, ``probe`` turns them into a :class:`~coachadmin.media.probe.MediaInfo`,
``verdict`` says what is wrong in a sentence, ``remux`` moves the index to the front, and
``health`` judges an object already in the bucket. See docs/preview.md (Media readiness).
"""
