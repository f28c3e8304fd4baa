"""Arguments of `coachadmin courses|lessons|link|unlink|check-links|upload-link`."""

from __future__ import annotations

import argparse

from coachadmin.cli.arguments import Handler, Subparsers
from coachadmin.cli.arguments.options import (
    EXIT_CODES,
    add_api_option,
    add_json_option,
    add_media_check_options,
    add_media_options,
    add_s3_options,
    add_tuning_options,
    local_path,
)


def register(subparsers: Subparsers) -> None:
    courses = subparsers.add_parser(
        "courses", help="list the platform's courses", epilog=EXIT_CODES
    )
    _common(courses, s3=False)
    courses.set_defaults(
        handler=Handler("coachadmin.cli.lessons", "run_courses"), command="courses"
    )

    lessons = subparsers.add_parser(
        "lessons", help="list a course's lessons and their videos", epilog=EXIT_CODES
    )
    lessons.add_argument("course_id", metavar="COURSE_ID")
    _common(lessons, s3=False)
    lessons.set_defaults(
        handler=Handler("coachadmin.cli.lessons", "run_lessons"), command="lessons"
    )

    link = subparsers.add_parser(
        "link",
        help="link an S3 object to a lesson (admins)",
        description=(
            "Make s3://BUCKET/KEY the lesson's video. BUCKET must be the platform's (the bucket "
            "of the saved connection for the backend): the backend keeps only the key. The "
            "object must exist and be a video (checked with HeadObject and a read of its first "
            "bytes, as check-links reads it, unless --no-check: then the key must at least be "
            "named like a video). A lesson that already has another video keeps it unless "
            "--replace is given (the old object is never deleted)."
        ),
        epilog=EXIT_CODES,
    )
    link.add_argument("lesson_id", metavar="LESSON_ID")
    link.add_argument("uri", metavar="s3://BUCKET/KEY")
    link.add_argument("--replace", action="store_true", help="replace the lesson's current video")
    link.add_argument(
        "--no-check",
        action="store_true",
        help="read nothing from the bucket (the key must still be named like a video)",
    )
    _common(link)
    link.set_defaults(handler=Handler("coachadmin.cli.lessons", "run_link"), command="link")

    unlink = subparsers.add_parser(
        "unlink",
        help="remove a lesson's video link (the object stays in the bucket)",
        epilog=EXIT_CODES,
    )
    unlink.add_argument("lesson_id", metavar="LESSON_ID")
    _common(unlink, s3=False)
    unlink.set_defaults(handler=Handler("coachadmin.cli.lessons", "run_unlink"), command="unlink")

    check = subparsers.add_parser(
        "check-links",
        help="check every lesson's video against the bucket",
        description=(
            "Check every lesson of every course: linked (the object exists), no video, legacy "
            "(a Cloudflare Stream id: needs a new upload) or broken (the key is missing). Also "
            "lists the videos under videos/ that no lesson uses, and the linked videos that may "
            "not play for students (read from their first and last bytes). Exit status 1 when "
            "any link is broken or legacy (with --strict, also when a video may not play)."
        ),
        epilog=EXIT_CODES,
    )
    check.add_argument("--bucket", metavar="BUCKET", help="default: the active connection's")
    add_media_check_options(check)
    _common(check)
    check.set_defaults(
        handler=Handler("coachadmin.cli.lessons", "run_check_links"), command="check-links"
    )

    upload = subparsers.add_parser(
        "upload-link",
        help="upload a video into videos/ and link it to a lesson once verified (admins)",
        description=(
            "Upload FILE to videos/BASENAME-TIMESTAMP-RANDOM.EXT (the platform's naming) and "
            "link it to the lesson once the upload is verified. If the command is interrupted, "
            "`coachadmin resume` finishes the upload and then makes the link. FILE must be a "
            "video (.mp4, .m4v, .mov, .qt, .mkv or .webm, holding an MP4, QuickTime or "
            "Matroska container), and the bucket the platform's: anything else is refused "
            "before anything is uploaded."
        ),
        epilog=EXIT_CODES,
    )
    upload.add_argument("lesson_id", metavar="LESSON_ID")
    upload.add_argument("path", metavar="FILE", type=local_path)
    upload.add_argument(
        "--bucket",
        metavar="BUCKET",
        help="default: the active connection's; must be the platform's bucket",
    )
    upload.add_argument("--replace", action="store_true", help="replace the lesson's current video")
    add_media_options(upload)
    add_tuning_options(upload)
    _common(upload)
    upload.set_defaults(
        handler=Handler("coachadmin.cli.lessons", "run_upload_link"), command="upload-link"
    )


def _common(parser: argparse.ArgumentParser, *, s3: bool = True) -> None:
    add_api_option(parser)
    if s3:
        add_s3_options(parser)
    add_json_option(parser)
