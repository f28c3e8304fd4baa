"""`coachadmin courses|lessons|link|unlink|check-links|upload-link`: lessons and their videos.

The backend comes from ``--api-url``, ``COACHADMIN_API_URL``, the last sign-in or
the active connection; its token from ``COACHADMIN_API_TOKEN`` or the keychain
(``coachadmin login``). A bucket and S3 come from flags, then the environment
(``AWS_ENDPOINT_URL``, AWS credentials), then the active connection. A 401 ends
with the sign-in command to run and exit status 3. See docs/lessons.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from coachadmin.cli.auth import EXIT_CODES, add_api_option, call_backend, signed_in_client
from coachadmin.cli.common import (
    Subparsers,
    add_json_option,
    add_s3_options,
    add_tuning_options,
    emit_json,
)
from coachadmin.cli.media import add_media_check_options, add_media_options, print_media_problems
from coachadmin.cli.s3_access import (
    flag_settings,
    guard,
    s3_target,
    transfer_config,
    transfer_output,
    transfer_queue,
)
from coachadmin.display import format_size
from coachadmin.errors import UsageError, UserFacingError

if TYPE_CHECKING:
    from coachadmin.s3.client import S3Settings
    from coachadmin.services.link_check import LessonLink, LinkReport
    from coachadmin.services.pending_links import Applied


def register(subparsers: Subparsers) -> None:
    courses = subparsers.add_parser(
        "courses", help="list the platform's courses", epilog=EXIT_CODES
    )
    _common(courses, s3=False)
    courses.set_defaults(handler=run_courses, command="courses")

    lessons = subparsers.add_parser(
        "lessons", help="list a course's lessons and their videos", epilog=EXIT_CODES
    )
    lessons.add_argument("course_id", metavar="COURSE_ID")
    _common(lessons, s3=False)
    lessons.set_defaults(handler=run_lessons, command="lessons")

    link = subparsers.add_parser(
        "link",
        help="link an S3 object to a lesson (admins)",
        description=(
            "Make s3://BUCKET/KEY the lesson's video. The object must exist (checked with "
            "HeadObject unless --no-check); a lesson that already has another video keeps it "
            "unless --replace is given (the old object is never deleted)."
        ),
        epilog=EXIT_CODES,
    )
    link.add_argument("lesson_id", metavar="LESSON_ID")
    link.add_argument("uri", metavar="s3://BUCKET/KEY")
    link.add_argument("--replace", action="store_true", help="replace the lesson's current video")
    link.add_argument("--no-check", action="store_true", help="do not check that the object exists")
    _common(link)
    link.set_defaults(handler=run_link, command="link")

    unlink = subparsers.add_parser(
        "unlink",
        help="remove a lesson's video link (the object stays in the bucket)",
        epilog=EXIT_CODES,
    )
    unlink.add_argument("lesson_id", metavar="LESSON_ID")
    _common(unlink, s3=False)
    unlink.set_defaults(handler=run_unlink, command="unlink")

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
    check.set_defaults(handler=run_check_links, command="check-links")

    upload = subparsers.add_parser(
        "upload-link",
        help="upload a video into videos/ and link it to a lesson once verified (admins)",
        description=(
            "Upload FILE to videos/BASENAME-TIMESTAMP-RANDOM.EXT (the platform's naming) and "
            "link it to the lesson once the upload is verified. If the command is interrupted, "
            "`coachadmin resume` finishes the upload and then makes the link."
        ),
        epilog=EXIT_CODES,
    )
    upload.add_argument("lesson_id", metavar="LESSON_ID")
    upload.add_argument("path", metavar="FILE")
    upload.add_argument("--bucket", metavar="BUCKET", help="default: the active connection's")
    upload.add_argument("--replace", action="store_true", help="replace the lesson's current video")
    add_media_options(upload)
    add_tuning_options(upload)
    _common(upload)
    upload.set_defaults(handler=run_upload_link, command="upload-link")


def _common(parser: argparse.ArgumentParser, *, s3: bool = True) -> None:
    add_api_option(parser)
    if s3:
        add_s3_options(parser)
    add_json_option(parser)


def _bucket_and_settings(args: argparse.Namespace, bucket: str | None) -> tuple[str, S3Settings]:
    target = s3_target(args, bucket)
    return target.bucket, target.settings


# -- handlers ----------------------------------------------------------------------------


def run_courses(args: argparse.Namespace) -> int:
    url, client = signed_in_client(args)
    courses = call_backend(url, client.courses)
    for course in courses:
        if args.json:
            emit_json({"id": course.id, "title": course.title, "lessonCount": course.lesson_count})
        else:
            print(f"{course.id}  {course.lesson_count:>3} lessons  {course.title}")
    if not courses and not args.json:
        print("no courses")
    return 0


def run_lessons(args: argparse.Namespace) -> int:
    from coachadmin.services.link_check import is_legacy_id

    url, client = signed_in_client(args)
    lessons = call_backend(url, lambda: client.lessons(args.course_id))
    for lesson in lessons:
        video = lesson.video_id
        kind = "none" if not video else "legacy" if is_legacy_id(video) else "key"
        if args.json:
            emit_json(
                {
                    "id": lesson.id,
                    "courseId": lesson.course_id,
                    "order": lesson.order,
                    "title": lesson.title,
                    "videoId": video,
                    "videoKind": kind,
                }
            )
        else:
            shown = video or "(no video)"
            if kind == "legacy":
                shown += "  (legacy Cloudflare id: needs a new upload)"
            print(f"{lesson.order:>3}. {lesson.id}  {lesson.title}  —  {shown}")
    return 0


def run_link(args: argparse.Namespace) -> int:
    from coachadmin.s3.client import make_client
    from coachadmin.s3.objects import head_object
    from coachadmin.s3.uri import parse_s3_uri
    from coachadmin.services.lesson_usage import find_lesson

    target = parse_s3_uri(args.uri)
    if target.is_prefix:
        raise UsageError(f"{args.uri} names no object: write s3://BUCKET/KEY")
    url, client = signed_in_client(args)
    ref = call_backend(url, lambda: find_lesson(client, args.lesson_id))
    if ref is None:
        raise UsageError(
            f"There is no lesson {args.lesson_id}: see `coachadmin lessons COURSE_ID`."
        )
    if not args.no_check:
        bucket, settings = _bucket_and_settings(args, target.bucket)
        s3 = make_client(settings)
        if guard(lambda: head_object(s3, bucket, target.key)) is None:
            raise UserFacingError(
                f"s3://{bucket}/{target.key} does not exist, so students could not play it. "
                "Upload it first (or use coachadmin upload-link)."
            )
    previous = ref.lesson.video_id
    if previous and previous != target.key and not args.replace:
        raise UsageError(
            f"“{ref.lesson.title}” already links {previous}. Pass --replace to link "
            f"{target.key} instead (the old object stays in the bucket)."
        )
    lesson = call_backend(url, lambda: client.link(args.lesson_id, target.key))
    if args.json:
        emit_json(
            {
                "event": "linked",
                "lessonId": lesson.id,
                "title": lesson.title,
                "videoId": lesson.video_id,
                "previous": previous,
            }
        )
    else:
        replaced = f" (replacing {previous})" if previous and previous != target.key else ""
        print(f"Linked {target.key} to “{lesson.title}” ({ref.course.title}){replaced}.")
    return 0


def run_unlink(args: argparse.Namespace) -> int:
    url, client = signed_in_client(args)
    from coachadmin.services.lesson_usage import find_lesson

    ref = call_backend(url, lambda: find_lesson(client, args.lesson_id))
    previous = ref.lesson.video_id if ref else None
    lesson = call_backend(url, lambda: client.unlink(args.lesson_id))
    if args.json:
        emit_json(
            {
                "event": "unlinked",
                "lessonId": lesson.id,
                "title": lesson.title,
                "previous": previous,
            }
        )
    elif previous:
        print(f"Unlinked “{lesson.title}”; {previous} stays in the bucket.")
    else:
        print(f"“{lesson.title}” had no video.")
    return 0


def run_check_links(args: argparse.Namespace) -> int:
    from coachadmin.s3.client import make_client
    from coachadmin.services.link_check import check_links, report_json

    url, client = signed_in_client(args)
    bucket, settings = _bucket_and_settings(args, args.bucket)
    s3 = make_client(settings)

    def progress(text: str) -> None:
        if not args.json and sys.stderr.isatty():
            print(text, file=sys.stderr)

    def check() -> LinkReport:
        return check_links(client, s3, bucket, progress=progress, media=not args.no_media)

    report = call_backend(url, lambda: guard(check))
    if args.json:
        emit_json(report_json(report, bucket))
    else:
        _print_report(report, bucket)
        print_media_problems(report)
    return 1 if report.problems or (args.strict and report.media_problems) else 0


def _print_report(report: LinkReport, bucket: str) -> None:
    from coachadmin.services.link_check import LinkState

    courses = len({link.course.id for link in report.links})
    print(
        f"Checked {len(report.links)} lessons in {courses} courses against s3://{bucket}: "
        f"{report.count(LinkState.LINKED)} linked, {report.count(LinkState.NO_VIDEO)} without "
        f"a video, {report.count(LinkState.LEGACY)} legacy, "
        f"{report.count(LinkState.BROKEN)} broken."
    )
    if report.problems:
        print("\nLessons that need attention:")
        for link in report.problems:
            print(f"  {link.state.value.upper():<7} {_where(link)}")
            print(f"          {link.state.label}: {link.lesson.video_id}")
    if report.unused_videos:
        print(f"\nVideos under videos/ that no lesson uses ({len(report.unused_videos)}):")
        for obj in report.unused_videos:
            print(f"  {obj.key}  {format_size(obj.size)}")


def _where(link: LessonLink) -> str:
    return f"{link.course.title} / {link.lesson.order}. {link.lesson.title}  [{link.lesson.id}]"


def run_upload_link(args: argparse.Namespace) -> int:
    from coachadmin.cli.media import ready_to_send, remove_copies
    from coachadmin.cli.transfers import drive
    from coachadmin.services.lesson_usage import find_lesson
    from coachadmin.services.pending_links import PendingLinks
    from coachadmin.services.upload_link import start_upload_and_link
    from coachadmin.transfers.source import check_source

    path = Path(args.path)
    check_source(path)
    url, client = signed_in_client(args)
    user = call_backend(url, client.me)
    if not user.is_admin:
        raise UserFacingError(
            f"Only admins can link videos; {user.email} is an {user.role}. "
            "Ask an admin of the platform to do it."
        )
    ref = call_backend(url, lambda: find_lesson(client, args.lesson_id))
    if ref is None:
        raise UsageError(
            f"There is no lesson {args.lesson_id}: see `coachadmin lessons COURSE_ID`."
        )
    if ref.lesson.video_id and not args.replace:
        raise UsageError(
            f"“{ref.lesson.title}” already links {ref.lesson.video_id}. Pass --replace to "
            "link the new upload instead (the old object stays in the bucket)."
        )
    target = s3_target(args, args.bucket)
    bucket, settings = target.bucket, target.settings
    config = transfer_config(args)
    ready = ready_to_send(path, fix=args.faststart)
    queue = transfer_queue(config)
    output = transfer_output(args)
    queue.subscribe(output.event)
    try:
        with PendingLinks() as store:
            link = start_upload_and_link(
                queue,
                settings,
                store,
                path=path,
                bucket=bucket,
                lesson_id=ref.lesson.id,
                api_url=url,
                connection=target.connection,
                media=ready,
            )
    except BaseException:
        queue.shutdown()
        queue.journal.close()
        remove_copies([ready], finished=True)
        raise
    output.line(
        f"uploading {path} to s3://{bucket}/{link.key} for “{ref.lesson.title}”",
        {
            "event": "upload-link",
            "id": link.transfer_id,
            "bucket": bucket,
            "key": link.key,
            "lessonId": ref.lesson.id,
        },
    )
    code = 1
    try:
        code = drive(queue, [str(link.transfer_id)], output)
    finally:
        remove_copies([ready], finished=code == 0)
    applied = apply_pending_links_cli(args, settings, json_mode=bool(args.json))
    mine = [a for a in applied if a.link.key == link.key]
    if mine and mine[0].outcome.value != "linked":
        raise UserFacingError(
            f"The upload finished but the lesson was not linked: {mine[0].message}"
        )
    return code


def apply_pending_links_cli(
    args: argparse.Namespace | None,
    fallback: S3Settings | None = None,
    *,
    json_mode: bool = False,
) -> list[Applied]:
    """Make the links whose uploads are now verified; print what happened. Never raises a
    UserFacingError: an upload that finished is a success even if the link must wait."""
    from coachadmin.services.pending_links import Outcome
    from coachadmin.services.transfer_connections import TransferConnections
    from coachadmin.services.upload_link import finish_pending_links
    from coachadmin.transfers.clients import TransferClients

    override = flag_settings(args) if args is not None else None
    try:
        applied = finish_pending_links(
            TransferClients(),
            fallback=fallback,
            override=override,
            settings_for=TransferConnections(),
        )
    except UserFacingError as error:
        print(f"coachadmin: pending lesson links not applied: {error}", file=sys.stderr)
        return []
    for result in applied:
        link = result.link
        if result.outcome is Outcome.UPLOADING:
            continue
        record = {
            "event": "pending-link",
            "outcome": result.outcome.value,
            "bucket": link.bucket,
            "key": link.key,
            "lessonId": link.lesson_id,
            "message": result.message,
        }
        if json_mode:
            emit_json(record)
        elif result.outcome is Outcome.LINKED:
            title = result.lesson.title if result.lesson else link.lesson_id
            print(f"Linked {link.key} to “{title}”.")
        else:
            print(f"coachadmin: lesson {link.lesson_id}: {result.message}", file=sys.stderr)
    return applied
