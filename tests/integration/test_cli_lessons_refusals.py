"""What `link`, `upload-link`, `lessons`, `unlink` and `login` refuse, against the demo
environment over HTTP: a video in another bucket than the platform's, a file or an object
that is no video, ids that name no course or lesson. And what `login --print-token`
writes (nothing), and what a backend that refuses connections is called."""

from __future__ import annotations

import io
import socket
import sys
from collections.abc import Iterator

import pytest

from coachadmin.backend.client import BackendClient
from coachadmin.cli import main
from coachadmin.demo.environment import DemoEnvironment, DemoInfo
from coachadmin.demo.s3_seed import sample_bytes
from coachadmin.profiles import Profile, save_profile
from coachadmin.s3.client import make_client
from coachadmin.services.lesson_videos import is_video_name, platform_connection
from coachadmin.services.pending_links import PendingLinks
from coachadmin.services.sign_in import API_TOKEN_ENV, API_URL_ENV, token_username
from coachadmin.settings import load_settings
from tests.support.transfers import json_lines, unique_bucket

VIDEO = sample_bytes("sample-video.mp4")  # H.264 and AAC, index first: plays everywhere


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def info(demo: DemoEnvironment) -> DemoInfo:
    return demo.info


@pytest.fixture
def signed_in(info: DemoInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin's token in the environment, as a script gives it."""
    token = BackendClient(info.api_url).login(info.admin_email, info.admin_password).token
    monkeypatch.setenv(API_URL_ENV, info.api_url)
    monkeypatch.setenv(API_TOKEN_ENV, token)


@pytest.fixture
def connection(info: DemoInfo, memory_keyring: dict[tuple[str, str], str]) -> Profile:
    """The active connection: the demo's bucket (the platform's)."""
    profile = Profile(
        name="demo", bucket=info.bucket, endpoint_url=info.s3_endpoint, region=info.region
    )
    save_profile(profile, make_active=True)
    return profile


@pytest.fixture(scope="module")
def other_bucket(demo: DemoEnvironment) -> str:
    """Another bucket on the same S3 server, holding a real video."""
    s3 = make_client(demo.info.s3_settings())
    bucket = unique_bucket("other")
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": demo.info.region}
    )
    s3.put_object(Bucket=bucket, Key="videos/foreign.mp4", Body=VIDEO, ContentType="video/mp4")
    s3.put_object(Bucket=bucket, Key="x.mp4", Body=VIDEO, ContentType="video/mp4")
    return bucket


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def free_lesson(demo: DemoEnvironment) -> str:
    """A lesson without a video (the tests give theirs back)."""
    for course in demo.backend.store.courses():
        for lesson in demo.backend.store.lessons(course.id):
            if not lesson.video_id:
                return lesson.id
    raise AssertionError("the demo has a lesson without a video")


@pytest.fixture
def lesson(demo: DemoEnvironment) -> Iterator[str]:
    lesson_id = free_lesson(demo)
    yield lesson_id
    demo.backend.store.set_video(lesson_id, None)


def keys(info: DemoInfo, bucket: str | None = None, prefix: str = "") -> list[str]:
    s3 = make_client(info.s3_settings())
    listed = s3.list_objects_v2(Bucket=bucket or info.bucket, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def put(info: DemoInfo, key: str, body: bytes, content_type: str) -> None:
    s3 = make_client(info.s3_settings())
    s3.put_object(Bucket=info.bucket, Key=key, Body=body, ContentType=content_type)


# -- a video in another bucket than the platform's ----------------------------------------


def test_link_refuses_a_video_in_another_bucket(
    demo, info, signed_in, connection, other_bucket, lesson, capsys
):
    code, out, err = run(
        capsys, "link", lesson, f"s3://{other_bucket}/videos/foreign.mp4",
        "--endpoint-url", info.s3_endpoint,
    )  # fmt: skip
    assert (code, out) == (2, "")
    assert f"s3://{other_bucket}/videos/foreign.mp4 is in another bucket" in err
    assert f"lessons' videos must be in s3://{info.bucket}/" in err
    assert "connection 'demo'" in err
    assert demo.backend.store.lesson(lesson).video_id is None

    code, _, err = run(capsys, "link", lesson, f"s3://{other_bucket}/x.mp4", "--no-check")
    assert code == 2
    assert f"must be in s3://{info.bucket}/" in err
    assert demo.backend.store.lesson(lesson).video_id is None

    video = keys(info, prefix="videos/")[0]  # the platform's own bucket is linked as before
    code, out, err = run(capsys, "link", lesson, f"s3://{info.bucket}/{video}")
    assert code == 0, err
    assert demo.backend.store.lesson(lesson).video_id == video


def test_check_links_against_another_bucket_says_it_is_not_the_platform_s(
    demo, info, signed_in, connection, other_bucket, capsys
):
    """Allowed (a copy can be checked before a move), never unsaid."""
    code, out, err = run(capsys, "check-links", "--bucket", other_bucket, "--json",
                         "--endpoint-url", info.s3_endpoint)  # fmt: skip
    assert code == 1, err  # the platform's videos are not in the copy
    assert json_lines(out)[0]["bucket"] == other_bucket
    assert f"note: {other_bucket} is not the platform's bucket" in err
    assert f"s3://{info.bucket}/ (the connection 'demo')" in err
    code, _, err = run(capsys, "check-links", "--json")
    assert "not the platform's bucket" not in err


def test_upload_link_refuses_another_bucket_before_uploading(
    demo, info, signed_in, connection, other_bucket, lesson, tmp_path, capsys
):
    video = tmp_path / "intro.mp4"
    video.write_bytes(VIDEO)
    before = keys(info, other_bucket)
    code, _, err = run(
        capsys, "upload-link", lesson, str(video), "--bucket", other_bucket,
        "--endpoint-url", info.s3_endpoint,
    )  # fmt: skip
    assert code == 2
    assert f"{other_bucket} is not the platform's bucket" in err
    assert f"--bucket {info.bucket}" in err
    assert keys(info, other_bucket) == before, "nothing was uploaded"
    assert demo.backend.store.lesson(lesson).video_id is None
    with PendingLinks() as store:
        assert store.all() == []


def test_the_platform_bucket_is_the_connection_for_the_backend(info, memory_keyring):
    """The active connection speaks for the platform unless it names another backend; then
    the saved connection that names this one does."""
    assert platform_connection(info.api_url) is None  # nothing saved: nothing to compare
    save_profile(Profile(name="staging", bucket="staging-videos", api_url="https://stage.example"))
    assert platform_connection("https://stage.example/").name == "staging"
    assert platform_connection(info.api_url) is None
    save_profile(Profile(name="demo", bucket=info.bucket, api_url=info.api_url))
    assert platform_connection(info.api_url).bucket == info.bucket
    assert platform_connection("https://stage.example").bucket == "staging-videos"
    save_profile(Profile(name="plain", bucket="plain-bucket"), make_active=True)
    assert platform_connection(info.api_url).bucket == "plain-bucket"  # no backend named


# -- a file or an object that is no video -------------------------------------------------


def test_upload_link_refuses_a_file_that_is_not_a_video(
    demo, info, signed_in, lesson, tmp_path, capsys
):
    before = keys(info)
    text = tmp_path / "a.txt"
    text.write_text("lesson notes\n")
    where = ("--bucket", info.bucket, "--endpoint-url", info.s3_endpoint)
    code, out, err = run(capsys, "upload-link", lesson, str(text), "--replace", *where)
    assert (code, out) == (2, "")
    assert "a.txt is not a video" in err and ".mp4" in err and "Nothing was uploaded" in err
    assert "export the video as MP4" in err

    page = tmp_path / "lesson.mp4"  # named like a video, but an error page saved as one
    page.write_text("<html>502 Bad Gateway</html>\n")
    code, _, err = run(capsys, "upload-link", lesson, str(page), *where)
    assert code == 2
    assert "lesson.mp4 holds no video a player can read" in err

    assert keys(info) == before, "nothing was uploaded"
    assert demo.backend.store.lesson(lesson).video_id is None
    with PendingLinks() as store:
        assert store.all() == []


def test_link_refuses_an_object_that_is_no_video_as_check_links_sees_it(
    demo, info, signed_in, lesson, capsys
):
    put(info, "videos/notes.txt", b"lesson notes\n", "text/plain")
    put(info, "videos/error-page.mp4", b"<html>502 Bad Gateway</html>\n", "video/mp4")
    put(info, "videos/empty.mp4", b"", "video/mp4")
    where = ("--endpoint-url", info.s3_endpoint)

    for key, said in [
        ("videos/notes.txt", "is not a video"),
        ("videos/error-page.mp4", "is not a video"),
        ("videos/empty.mp4", "is empty (0 bytes)"),
    ]:
        code, out, err = run(capsys, "link", lesson, f"s3://{info.bucket}/{key}", *where)
        assert (code, out) == (1, ""), key
        assert f"s3://{info.bucket}/{key} {said}" in err and "Link a video instead" in err
        assert demo.backend.store.lesson(lesson).video_id is None

    # --no-check reads nothing: the name must say it is a video
    code, _, err = run(capsys, "link", lesson, f"s3://{info.bucket}/videos/notes.txt", "--no-check")
    assert code == 2
    assert "not named like a video" in err and "leave out --no-check" in err
    assert demo.backend.store.lesson(lesson).video_id is None

    # What link refuses is what check-links calls "not a video".
    code, _, err = run(capsys, "link", lesson, f"s3://{info.bucket}/videos/error-page.mp4",
                       "--no-check")  # fmt: skip
    assert code == 0, err
    code, out, _ = run(capsys, "check-links", "--bucket", info.bucket, *where, "--json")
    [found] = [p for p in json_lines(out)[0]["mediaProblems"] if p["lessonId"] == lesson]
    assert found["media"]["issues"] == ["not-video"]

    for key in ("videos/notes.txt", "videos/error-page.mp4", "videos/empty.mp4"):
        make_client(info.s3_settings()).delete_object(Bucket=info.bucket, Key=key)


def test_link_refuses_a_key_outside_any_folder_as_check_links_sees_it(
    demo, info, signed_in, lesson, capsys
):
    """A key with no '/' is what the platform takes for a legacy id: link refuses it
    (checked or not), and a lesson that links one is what check-links calls legacy."""
    put(info, "intro.mp4", VIDEO, "video/mp4")
    where = ("--endpoint-url", info.s3_endpoint)
    for flags in ((), ("--no-check",)):
        code, out, err = run(capsys, "link", lesson, f"s3://{info.bucket}/intro.mp4", *where,
                             *flags)  # fmt: skip
        assert (code, out) == (2, ""), flags
        assert "intro.mp4 is at the top of the bucket, outside any folder" in err
        assert "as videos/intro.mp4" in err
        assert demo.backend.store.lesson(lesson).video_id is None

    demo.backend.store.set_video(lesson, "intro.mp4")  # as an older tool could have linked it
    code, out, _ = run(capsys, "check-links", "--bucket", info.bucket, *where, "--json")
    [found] = [p for p in json_lines(out)[0]["problems"] if p["lessonId"] == lesson]
    assert found["state"] == "legacy"
    make_client(info.s3_settings()).delete_object(Bucket=info.bucket, Key="intro.mp4")


def test_link_says_when_a_video_may_not_play(demo, info, signed_in, lesson, capsys):
    slow = next(k for k in keys(info, prefix="videos/") if k.startswith("videos/discovery-calls"))
    code, out, err = run(
        capsys, "link", lesson, f"s3://{info.bucket}/{slow}", "--endpoint-url", info.s3_endpoint
    )
    assert code == 0, err
    assert "Linked" in out
    assert f"{slow} may not play for students: not streamable" in err
    assert demo.backend.store.lesson(lesson).video_id == slow


# -- ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("lessons", ""), "A course id is needed"),
        (("lessons", "   "), "A course id is needed"),
        (("lessons", "c1/lessons"), "'c1/lessons' is not a course id"),
        (("lessons", "c 1"), "'c 1' is not a course id"),
        (("link", "", "s3://coachadmin-demo/videos/a.mp4"), "A lesson id is needed"),
        (("link", "a/b", "s3://coachadmin-demo/videos/a.mp4"), "'a/b' is not a lesson id"),
        (("unlink", " "), "A lesson id is needed"),
        (("unlink", "l1\n"), "'l1\\x0a' is not a lesson id"),
        (("upload-link", "", "FILE"), "A lesson id is needed"),
    ],
)
def test_ids_that_name_no_course_or_lesson_are_usage_errors(
    command, said, demo, signed_in, tmp_path, capsys
):
    video = tmp_path / "intro.mp4"
    video.write_bytes(VIDEO)
    args = [str(video) if arg == "FILE" else arg for arg in command]
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert said in err
    assert "coachadmin courses" in err or "coachadmin lessons COURSE_ID" in err
    assert "/api/" not in err


# -- login --------------------------------------------------------------------------------


def test_login_print_token_writes_nothing(info, memory_keyring, monkeypatch, app_home, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(info.admin_password + "\n"))
    code, out, err = run(
        capsys, "login", "--api-url", info.api_url, "--email", info.admin_email,
        "--password-stdin", "--print-token",
    )  # fmt: skip
    assert code == 0, err
    token = out.strip()
    assert token
    assert memory_keyring == {}
    settings = load_settings()
    assert (settings.backend_url, settings.backend_email) == (None, None)
    for path in app_home.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path

    monkeypatch.setattr(sys, "stdin", io.StringIO(info.admin_password + "\n"))
    code, _, err = run(
        capsys, "login", "--api-url", info.api_url, "--email", info.admin_email,
        "--password-stdin",
    )  # fmt: skip
    assert code == 0, err  # without --print-token: the keychain, and the settings' URL and email
    assert memory_keyring[("coachadmin", token_username(info.api_url))]
    settings = load_settings()
    assert (settings.backend_url, settings.backend_email) == (info.api_url, info.admin_email)


def test_login_help_says_what_print_token_writes(capsys):
    with pytest.raises(SystemExit):
        main(["login", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "writes nothing" in text
    assert "stores nothing" not in text


def test_login_to_a_port_where_nothing_listens_says_the_connection_was_refused(
    memory_keyring, monkeypatch, capsys
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-password\n"))
    code, _, err = run(
        capsys, "login", "--api-url", f"http://127.0.0.1:{port}", "--email", "a@example.com",
        "--password-stdin",
    )  # fmt: skip
    assert code == 1
    assert f"Cannot reach the backend at http://127.0.0.1:{port}: the connection was refused" in err
    assert f"nothing listens at 127.0.0.1:{port}" in err
    assert "Check that the backend is running" in err
    assert "no answer in time" not in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert memory_keyring == {}


def test_video_names() -> None:
    assert is_video_name("videos/Intro.MP4") and is_video_name("C:\\clips\\a.mov")
    assert not is_video_name("videos/notes.txt") and not is_video_name("videos/mp4")
