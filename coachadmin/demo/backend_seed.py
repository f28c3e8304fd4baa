"""The demo backend's users, courses and lessons.

The lessons cover every case the desktop tool must handle: videos that exist
in the bucket, lessons without a video, exactly one legacy Cloudflare Stream
id (32 hex characters, no slash) and exactly one key whose object is missing.
Together with the orphaned video the S3 seed leaves, that gives the link
checker something to find. The credentials are obviously fake and printed on
purpose (``coachadmin demo-server`` shows them).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from coachadmin.demo.backend_store import DemoStore, Lesson, User

if TYPE_CHECKING:
    from coachadmin.demo.s3_seed import SeededMedia

ADMIN_EMAIL = "admin@demo.test"
ADMIN_PASSWORD = "demo-admin"  # noqa: S105 - the demo's published, fake credentials
AUTHOR_EMAIL = "author@demo.test"
AUTHOR_PASSWORD = "demo-author"  # noqa: S105 - the demo's published, fake credentials

#: A Cloudflare Stream id left over from before the migration to S3.
LEGACY_VIDEO_ID = "5d5bc37ffcf54c9b82e996823bffbb81"

# Each lesson's video, resolved against the seeded bucket: "video:N" is the N-th linked
# video of the S3 seed, "legacy" the Cloudflare id, "missing" a key with no object.
_COURSES: tuple[tuple[str, tuple[tuple[str, str | None], ...]], ...] = (
    (
        "Foundations of Confident Coaching",
        (
            ("Welcome and how this course works", "video:0"),
            ("The coaching mindset", None),
            ("Active listening in practice", "video:1"),
            ("Asking powerful questions", "video:2"),
            ("Building trust in the first session", "legacy"),
            ("Your first practice session", None),
        ),
    ),
    (
        "Running Powerful Sessions",
        (
            ("Structuring a session with GROW", "video:3"),
            ("Setting goals that stick", None),
            ("Giving feedback that lands", "video:4"),
            ("Handling resistance and silence", None),
            ("Closing with commitments", None),
        ),
    ),
    (
        "Building Your Coaching Practice",
        (
            ("Defining your niche", None),
            ("Pricing your offer", "missing"),
            ("Discovery calls that convert", "video:5"),  # its index at the end
            ("Designing packages and programmes", "video:6"),  # HEVC
            ("Contracts, ethics and boundaries", None),
            ("Getting referrals without feeling salesy", None),
            ("Avoiding burnout as a coach", None),
        ),
    ),
)


def object_id(kind: str, number: int) -> str:
    """A stable 24-hex id, shaped like the platform's MongoDB ids."""
    return hashlib.sha1(f"{kind}:{number}".encode()).hexdigest()[:24]  # noqa: S324 - an id


def _video_for(placeholder: str | None, media: SeededMedia) -> str | None:
    if placeholder is None:
        return None
    if placeholder == "legacy":
        return LEGACY_VIDEO_ID
    if placeholder == "missing":
        return media.missing_video
    kind, _, index = placeholder.partition(":")
    assert kind == "video", placeholder
    return media.linked_videos[int(index)]


def seed_store(store: DemoStore, media: SeededMedia) -> None:
    """Fill an empty store: two users, three courses with their lessons."""
    store.add_user(User(object_id("user", 1), ADMIN_EMAIL, "Ada Admin", "admin"), ADMIN_PASSWORD)
    store.add_user(
        User(object_id("user", 2), AUTHOR_EMAIL, "Otto Author", "author"), AUTHOR_PASSWORD
    )
    lesson_number = 0
    for position, (title, lessons) in enumerate(_COURSES, start=1):
        course_id = object_id("course", position)
        store.add_course(course_id, title, position)
        for order, (lesson_title, placeholder) in enumerate(lessons, start=1):
            lesson_number += 1
            store.add_lesson(
                Lesson(
                    id=object_id("lesson", lesson_number),
                    course_id=course_id,
                    title=lesson_title,
                    order=order,
                    video_id=_video_for(placeholder, media),
                )
            )
