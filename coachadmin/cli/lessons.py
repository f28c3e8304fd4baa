"""`coachadmin courses|lessons|link|unlink|check-links|upload-link`: lessons and their videos.

The backend comes from ``--api-url``, ``COACHADMIN_API_URL``, the last sign-in or
the active connection; its token from ``COACHADMIN_API_TOKEN`` or the keychain
(``coachadmin login``). A bucket and S3 come from flags, then the environment
(``AWS_ENDPOINT_URL``, AWS credentials), then the active connection. A 401 ends
with the sign-in command to run and exit status 3. A video must be in the platform's
bucket and be a video (:mod:`coachadmin.services.lesson_videos`); ids are checked
before anything is asked. See docs/lessons.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coachadmin.cli.backend_session import (
    api_url_from,
    apply_pending_links,
    call_backend,
    signed_in_client,
)
from coachadmin.cli.common import (
    drive,
    emit_json,
    guard,
    s3_target,
    transfer_config,
    transfer_queue,
)
from coachadmin.cli.media import ready_to_send, remove_copies
from coachadmin.cli.transfer_output import TransferOutput
from coachadmin.display import format_size, printable
from coachadmin.errors import UsageError, UserFacingError
from coachadmin.media.health import MediaHealth
from coachadmin.s3.client import make_client
from coachadmin.s3.objects import head_object
from coachadmin.s3.reply_waits import READS_TIMEOUT
from coachadmin.s3.settings import S3Settings
from coachadmin.s3.uri import parse_s3_uri
from coachadmin.services.lesson_usage import find_lesson
from coachadmin.services.lesson_videos import (
    platform_connection,
    refuse_not_video_file,
    refuse_not_video_name,
    refuse_not_video_object,
    refuse_other_bucket,
    refuse_root_key,
)
from coachadmin.services.link_check import (
    LessonLink,
    LinkReport,
    LinkState,
    check_links,
    is_legacy_id,
    report_json,
)
from coachadmin.services.pending_links import PendingLinks
from coachadmin.services.upload_link import start_upload_and_link
from coachadmin.transfers.source import check_source


def _bucket_and_settings(args: argparse.Namespace, bucket: str | None) -> tuple[str, S3Settings]:
    target = s3_target(args, bucket)
    return target.bucket, target.settings


def checked_id(value: str, what: str) -> str:
    """``value`` as a course or lesson id; UsageError (exit 2) for what no id can be: empty,
    blank, or with a slash, a space or a control character (it would name another path of
    the API, or none)."""
    listing = "coachadmin courses" if what == "course" else "coachadmin lessons COURSE_ID"
    if not value.strip():
        raise UsageError(f"A {what} id is needed: see `{listing}` for the ids.")
    if "/" in value or any(c.isspace() or not c.isprintable() for c in value):
        raise UsageError(
            f"'{printable(value)}' is not a {what} id: ids have no slash, space or control "
            f"character. See `{listing}` for the ids."
        )
    return value


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
    course_id = checked_id(args.course_id, "course")
    url, client = signed_in_client(args)
    lessons = call_backend(url, lambda: client.lessons(course_id))
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
    lesson_id = checked_id(args.lesson_id, "lesson")
    target = parse_s3_uri(args.uri)
    if target.is_prefix:
        raise UsageError(f"{args.uri} names no object: write s3://BUCKET/KEY")
    refuse_other_bucket(target.bucket, target.key, platform_connection(api_url_from(args)))
    refuse_root_key(target.key)
    if args.no_check:
        refuse_not_video_name(target.key)  # nothing is read: the name must say it
    url, client = signed_in_client(args)
    ref = call_backend(url, lambda: find_lesson(client, lesson_id))
    if ref is None:
        raise UsageError(f"There is no lesson {lesson_id}: see `coachadmin lessons COURSE_ID`.")
    health = None if args.no_check else _checked_video(args, target.bucket, target.key)
    previous = ref.lesson.video_id
    if previous and previous != target.key and not args.replace:
        raise UsageError(
            f"“{ref.lesson.title}” already links {previous}. Pass --replace to link "
            f"{target.key} instead (the old object stays in the bucket)."
        )
    lesson = call_backend(url, lambda: client.link(lesson_id, target.key))
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
    if health is not None and not health.healthy:
        print(
            f"coachadmin: {printable(target.key)} may not play for students: {health.describe()}",
            file=sys.stderr,
        )
    return 0


def _checked_video(args: argparse.Namespace, bucket: str, key: str) -> MediaHealth:
    """The media health of a key to link, read as check-links reads it; refuses one that is
    missing from the bucket or holds no video (exit status 1)."""
    bucket, settings = _bucket_and_settings(args, bucket)
    s3 = make_client(settings, reads_timeout=READS_TIMEOUT)
    head = guard(lambda: head_object(s3, bucket, key))
    if head is None:
        raise UserFacingError(
            f"s3://{bucket}/{printable(key)} does not exist, so students could not play it. "
            "Upload it first (or use coachadmin upload-link)."
        )
    return guard(lambda: refuse_not_video_object(s3, bucket, key, head.size))


def run_unlink(args: argparse.Namespace) -> int:
    lesson_id = checked_id(args.lesson_id, "lesson")
    url, client = signed_in_client(args)

    ref = call_backend(url, lambda: find_lesson(client, lesson_id))
    previous = ref.lesson.video_id if ref else None
    lesson = call_backend(url, lambda: client.unlink(lesson_id))
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
    url, client = signed_in_client(args)
    bucket, settings = _bucket_and_settings(args, args.bucket)
    platform = platform_connection(url)
    if platform is not None and bucket != platform.bucket:
        # Allowed (a copy of the bucket can be checked before a move), but never unsaid.
        print(
            f"coachadmin: note: {bucket} is not the platform's bucket: students get their "
            f"videos from s3://{platform.bucket}/ (the connection '{platform.name}'); this "
            f"checks the lessons against s3://{bucket}/ instead.",
            file=sys.stderr,
        )
    s3 = make_client(settings, reads_timeout=READS_TIMEOUT)

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


def print_media_problems(report: LinkReport) -> None:
    """The text report's part on media health (after the link report)."""
    problems = report.media_problems
    if not problems:
        return
    print(f"\nVideos that may not play for students ({len(problems)}):")
    for link in problems:
        assert link.media is not None
        lesson = link.lesson
        print(f"  {link.course.title} / {lesson.order}. {lesson.title}  [{lesson.id}]")
        print(f"          {printable(lesson.video_id or '')}: {link.media.describe()}")


def _print_report(report: LinkReport, bucket: str) -> None:
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
    lesson_id = checked_id(args.lesson_id, "lesson")
    path = Path(args.path)
    check_source(path)
    refuse_not_video_file(path)
    target = s3_target(args, args.bucket)
    refuse_other_bucket(target.bucket, None, platform_connection(api_url_from(args)))
    url, client = signed_in_client(args)
    user = call_backend(url, client.me)
    if not user.is_admin:
        raise UserFacingError(
            f"Only admins can link videos; {user.email} is an {user.role}. "
            "Ask an admin of the platform to do it."
        )
    ref = call_backend(url, lambda: find_lesson(client, lesson_id))
    if ref is None:
        raise UsageError(f"There is no lesson {lesson_id}: see `coachadmin lessons COURSE_ID`.")
    if ref.lesson.video_id and not args.replace:
        raise UsageError(
            f"“{ref.lesson.title}” already links {ref.lesson.video_id}. Pass --replace to "
            "link the new upload instead (the old object stays in the bucket)."
        )
    bucket, settings = target.bucket, target.settings
    config = transfer_config(args)
    ready = ready_to_send(path, fix=args.faststart)
    queue = transfer_queue(config)
    output = TransferOutput(json_mode=bool(args.json))
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
    applied = apply_pending_links(args, settings, json_mode=bool(args.json))
    mine = [a for a in applied if a.link.key == link.key]
    if mine and mine[0].outcome.value != "linked":
        raise UserFacingError(
            f"The upload finished but the lesson was not linked: {mine[0].message}"
        )
    return code
