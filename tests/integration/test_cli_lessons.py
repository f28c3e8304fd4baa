"""`coachadmin login|logout|courses|lessons|link|unlink|check-links` against the demo backend."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from coachadmin.backend.client import BackendClient
from coachadmin.cli import main
from coachadmin.demo import backend_seed
from coachadmin.demo.environment import DemoEnvironment, DemoInfo
from coachadmin.profiles import Profile, save_profile
from coachadmin.s3.client import make_client
from coachadmin.services.sign_in import API_TOKEN_ENV, API_URL_ENV, token_username
from tests.support.transfers import json_lines


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def info(demo: DemoEnvironment) -> DemoInfo:
    return demo.info


@pytest.fixture
def s3_env(info: DemoInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    """S3 from the environment, as a script or CI would give it."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", info.s3_endpoint)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def login(
    capsys, monkeypatch, info: DemoInfo, *, email: str, password: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    return run(capsys, "login", "--api-url", info.api_url, "--email", email, "--password-stdin")


def lesson_by_title(demo: DemoEnvironment, title: str):
    for course in demo.backend.store.courses():
        for lesson in demo.backend.store.lessons(course.id):
            if lesson.title == title:
                return lesson
    raise AssertionError(title)


@pytest.fixture
def admin(capsys, monkeypatch, info: DemoInfo, memory_keyring) -> dict:
    code, out, err = login(
        capsys, monkeypatch, info, email=info.admin_email, password=info.admin_password
    )
    assert code == 0, err
    assert "Ada Admin" in out and "admin" in out
    return memory_keyring


def test_login_keeps_the_token_in_the_keychain_not_in_a_file(admin, info, app_home, capsys):
    token = admin[("coachadmin", token_username(info.api_url))]
    assert token
    for path in app_home.rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path
    code, out, _ = run(capsys, "whoami", "--json")
    assert code == 0
    assert json_lines(out)[0]["email"] == info.admin_email


def test_wrong_password_says_so(capsys, monkeypatch, info, memory_keyring):
    code, _, err = login(capsys, monkeypatch, info, email=info.admin_email, password="nope-nope")
    assert code == 1
    assert "Wrong email or password" in err and "Check the email and password" in err
    assert memory_keyring == {}


def test_courses_and_lessons_in_order_with_json(admin, demo, capsys):
    code, out, _ = run(capsys, "courses", "--json")
    assert code == 0
    courses = json_lines(out)
    assert [c["title"] for c in courses] == [c.title for c in demo.backend.store.courses()]
    first = courses[0]
    code, out, _ = run(capsys, "lessons", first["id"], "--json")
    lessons = json_lines(out)
    assert [lesson["order"] for lesson in lessons] == list(range(1, first["lessonCount"] + 1))
    legacy = [lesson for lesson in lessons if lesson["videoKind"] == "legacy"]
    assert [lesson["videoId"] for lesson in legacy] == [backend_seed.LEGACY_VIDEO_ID]
    code, out, _ = run(capsys, "lessons", first["id"])
    assert "legacy Cloudflare id" in out


def test_link_unlink_and_replace(admin, demo, info, s3_env, capsys):
    lesson = lesson_by_title(demo, "The coaching mindset")  # no video yet
    orphan = next(k for k in _video_keys(info) if not _linked(demo, k))
    code, out, err = run(capsys, "link", lesson.id, f"s3://{info.bucket}/{orphan}")
    assert code == 0, err
    assert "Linked" in out
    assert demo.backend.store.lesson(lesson.id).video_id == orphan

    other = next(k for k in _video_keys(info) if k != orphan)
    code, _, err = run(capsys, "link", lesson.id, f"s3://{info.bucket}/{other}")
    assert code == 2 and "--replace" in err
    assert demo.backend.store.lesson(lesson.id).video_id == orphan

    code, out, _ = run(
        capsys, "link", lesson.id, f"s3://{info.bucket}/{other}", "--replace", "--json"
    )
    assert code == 0
    assert json_lines(out)[0] == {
        "event": "linked",
        "lessonId": lesson.id,
        "title": lesson.title,
        "videoId": other,
        "previous": orphan,
    }

    code, out, _ = run(capsys, "unlink", lesson.id)
    assert code == 0 and "stays in the bucket" in out
    assert demo.backend.store.lesson(lesson.id).video_id is None
    assert other in _video_keys(info), "unlink keeps the object"


def test_link_refuses_a_key_that_is_not_in_the_bucket(admin, demo, info, s3_env, capsys):
    lesson = lesson_by_title(demo, "The coaching mindset")
    code, _, err = run(capsys, "link", lesson.id, f"s3://{info.bucket}/videos/nothing-here.mp4")
    assert code == 1 and "does not exist" in err
    assert demo.backend.store.lesson(lesson.id).video_id is None


def test_an_author_is_refused(capsys, monkeypatch, demo, info, s3_env, memory_keyring):
    code, out, _ = login(
        capsys, monkeypatch, info, email=info.author_email, password=info.author_password
    )
    assert code == 0 and "author" in out
    code, out, _ = run(capsys, "courses")
    assert code == 0 and out.strip(), "authors may read courses"
    lesson = lesson_by_title(demo, "The coaching mindset")
    key = _video_keys(info)[0]
    code, _, err = run(capsys, "link", lesson.id, f"s3://{info.bucket}/{key}")
    assert code == 1
    assert "may not do this" in err and "admin role" in err
    assert demo.backend.store.lesson(lesson.id).video_id is None


def test_a_token_expiring_mid_session_says_how_to_sign_in_again(admin, demo, info, capsys):
    assert run(capsys, "courses")[0] == 0
    demo.backend.expire_all_tokens()
    code, out, err = run(capsys, "courses")
    assert code == 3
    assert out == ""
    assert "Your backend session has expired. Sign in again with: coachadmin login" in err
    assert f"--api-url {info.api_url} --email {info.admin_email}" in err


def test_not_signed_in_says_how(capsys, info, memory_keyring):
    code, _, err = run(capsys, "courses", "--api-url", info.api_url)
    assert code == 3
    assert f"Not signed in to {info.api_url}" in err and "coachadmin login" in err


def test_the_backend_down_is_a_clear_message(capsys, monkeypatch, memory_keyring):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv(API_URL_ENV, f"http://127.0.0.1:{port}")
    monkeypatch.setenv(API_TOKEN_ENV, "token-for-a-dead-backend")
    code, _, err = run(capsys, "courses")
    assert code == 1
    assert f"Cannot reach the backend at http://127.0.0.1:{port}" in err
    assert "token-for-a-dead-backend" not in err


def test_check_links_reports_the_seeded_broken_and_legacy_lessons(
    admin, demo, info, s3_env, capsys
):
    code, out, _ = run(capsys, "check-links", "--bucket", info.bucket, "--json")
    assert code == 1, "broken and legacy links exist"
    report = json_lines(out)[0]
    problems = {p["state"]: p for p in report["problems"]}
    assert set(problems) == {"broken", "legacy"}
    assert problems["legacy"]["videoId"] == backend_seed.LEGACY_VIDEO_ID
    assert problems["broken"]["title"] == "Pricing your offer"
    assert problems["broken"]["videoId"] not in _video_keys(info)
    unused = [v["key"] for v in report["unusedVideos"]]
    assert unused == [k for k in _video_keys(info) if not _linked(demo, k)]
    assert report["linked"] == sum(1 for k in _video_keys(info) if _linked(demo, k))

    code, out, _ = run(capsys, "check-links", "--bucket", info.bucket)
    assert code == 1
    assert "Pricing your offer" in out and "BROKEN" in out and "LEGACY" in out
    assert unused[0] in out


def test_check_links_is_clean_once_the_problems_are_fixed(admin, demo, info, s3_env, capsys):
    key = _video_keys(info)[0]
    for title in ("Pricing your offer", "Building trust in the first session"):
        lesson = lesson_by_title(demo, title)
        assert run(capsys, "link", lesson.id, f"s3://{info.bucket}/{key}", "--replace")[0] == 0
    code, out, _ = run(capsys, "check-links", "--bucket", info.bucket, "--json")
    assert code == 0, out
    assert json_lines(out)[0]["problems"] == []


def test_check_links_takes_the_bucket_from_the_active_connection(admin, info, capsys):
    save_profile(
        Profile(name="demo", bucket=info.bucket, endpoint_url=info.s3_endpoint, region=info.region),
        make_active=True,
    )
    code, out, _ = run(capsys, "check-links", "--json")
    assert code == 1
    assert json_lines(out)[0]["bucket"] == info.bucket


def test_logout_forgets_the_token(admin, info, capsys):
    code, out, _ = run(capsys, "logout")
    assert code == 0 and "Signed out" in out
    assert admin == {}
    assert run(capsys, "courses")[0] == 3


def test_without_a_keychain_login_explains_the_environment_variables(capsys, monkeypatch, info):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, _, err = login(
            capsys, monkeypatch, info, email=info.admin_email, password=info.admin_password
        )
        assert code == 1
        assert API_TOKEN_ENV in err and "--print-token" in err
        monkeypatch.setattr(sys, "stdin", io.StringIO(info.admin_password + "\n"))
        code, out, _ = run(
            capsys, "login", "--api-url", info.api_url, "--email", info.admin_email,
            "--password-stdin", "--print-token",
        )  # fmt: skip
        assert code == 0
        token = out.strip()
    finally:
        keyring.set_keyring(previous)
    monkeypatch.setenv(API_URL_ENV, info.api_url)  # --print-token kept no URL: as it says
    monkeypatch.setenv(API_TOKEN_ENV, token)
    code, out, _ = run(capsys, "whoami")
    assert code == 0 and info.admin_email in out


def test_the_environment_drives_a_real_process(demo, info, capsys, monkeypatch):
    """A script: no keychain, no saved settings, only COACHADMIN_API_* and AWS_*."""
    token = BackendClient(info.api_url).login(info.admin_email, info.admin_password).token
    env = {
        API_URL_ENV: info.api_url,
        API_TOKEN_ENV: token,
        "AWS_ENDPOINT_URL": info.s3_endpoint,
    }
    result = subprocess.run(
        [sys.executable, "-m", "coachadmin", "check-links", "--bucket", info.bucket, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **env},
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["broken"] == 1


def _video_keys(info: DemoInfo) -> list[str]:
    client = make_client(info.s3_settings())
    items = client.list_objects_v2(Bucket=info.bucket, Prefix="videos/").get("Contents", [])
    return sorted(item["Key"] for item in items)


def _linked(demo: DemoEnvironment, key: str) -> bool:
    return any(
        lesson.video_id == key
        for course in demo.backend.store.courses()
        for lesson in demo.backend.store.lessons(course.id)
    )
