"""Which lessons use which keys: the guard that stops a delete from breaking a lesson.

The platform lists no S3 objects and has no "who uses this key" endpoint, so the
answer comes from reading every course's lessons (a few requests: a platform has
tens of courses, not thousands). The browser's delete action calls
:func:`refuse_delete_if_linked` before it deletes anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coachadmin.backend.client import BackendClient
from coachadmin.backend.models import Course, Lesson
from coachadmin.errors import UserFacingError


@dataclass(frozen=True)
class LessonRef:
    """A lesson with its course, for messages that name both."""

    course: Course
    lesson: Lesson

    def describe(self) -> str:
        return f"“{self.lesson.title}” ({self.course.title})"


class LinkedObjectDelete(UserFacingError):
    """Deleting these objects would break the lessons that link them."""

    def __init__(self, linked: dict[str, list[LessonRef]]) -> None:
        parts = []
        for key, refs in linked.items():
            names = ", ".join(ref.describe() for ref in refs)
            parts.append(f"{key} is the video of {names}")
        super().__init__(
            "Not deleted: " + "; ".join(parts) + ". Students would lose these videos. "
            "Link another video to the lessons (or unlink them) first, then delete."
        )
        self.linked = linked


def all_lessons(backend: BackendClient) -> list[LessonRef]:
    """Every lesson of every course, in course order then lesson order."""
    return [
        LessonRef(course, lesson)
        for course in backend.courses()
        for lesson in backend.lessons(course.id)
    ]


def find_lesson(backend: BackendClient, lesson_id: str) -> LessonRef | None:
    """One lesson by id (the API has no GET for a single lesson)."""
    for course in backend.courses():
        for lesson in backend.lessons(course.id):
            if lesson.id == lesson_id:
                return LessonRef(course, lesson)
    return None


def lesson_refs_linking(
    backend: BackendClient, keys: Iterable[str], prefixes: Iterable[str] = ()
) -> dict[str, list[LessonRef]]:
    """For each of ``keys`` (or key under one of ``prefixes``, a folder being deleted) that
    some lesson links, those lessons (with their courses)."""
    wanted = set(keys)
    folders = tuple(p for p in prefixes if p)
    found: dict[str, list[LessonRef]] = {}
    if not wanted and not folders:
        return found
    for ref in all_lessons(backend):
        video = ref.lesson.video_id
        if video and (video in wanted or video.startswith(folders)):
            found.setdefault(video, []).append(ref)
    return found


def lessons_linking(keys: Iterable[str], backend: BackendClient) -> dict[str, list[Lesson]]:
    """For each of ``keys`` that some lesson links, the lessons linking it.

    Keys no lesson links are absent from the result, so ``if lessons_linking(...)``
    reads as "is any of these in use".
    """
    return {
        key: [ref.lesson for ref in refs]
        for key, refs in lesson_refs_linking(backend, keys).items()
    }


def refuse_delete_if_linked(
    keys: Iterable[str], backend: BackendClient, prefixes: Iterable[str] = ()
) -> None:
    """Raise :class:`LinkedObjectDelete`, naming the lessons, if any key (or any key under
    one of ``prefixes``) is a lesson's video."""
    linked = lesson_refs_linking(backend, keys, prefixes)
    if linked:
        raise LinkedObjectDelete(linked)
