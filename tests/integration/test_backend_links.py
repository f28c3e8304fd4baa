"""The backend core against the demo backend over HTTP: who links what, the link report,
pending links from upload-and-link, and where the URL and token come from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from coachadmin.backend.client import BackendClient
from coachadmin.demo import backend_seed
from coachadmin.demo.environment import DemoEnvironment
from coachadmin.errors import UsageError
from coachadmin.profiles import Profile, save_profile
from coachadmin.s3.client import make_client
from coachadmin.services import sign_in as auth
from coachadmin.services.lesson_usage import (
    LinkedObjectDelete,
    lessons_linking,
    refuse_delete_if_linked,
)
from coachadmin.services.link_check import LinkState, check_links
from coachadmin.services.pending_links import (
    Outcome,
    PendingLink,
    PendingLinks,
    apply_pending_links,
)
from coachadmin.settings import update_settings
from coachadmin.transfers.events import TransferState
from coachadmin.transfers.journal import Journal, UploadRecord


@pytest.fixture
def demo() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=0) as env:
        yield env


@pytest.fixture
def admin(demo: DemoEnvironment) -> BackendClient:
    client = BackendClient(demo.info.api_url)
    client.login(demo.info.admin_email, demo.info.admin_password)
    return client


def seeded_lessons(demo: DemoEnvironment) -> list:
    store = demo.backend.store
    return [lesson for course in store.courses() for lesson in store.lessons(course.id)]


# -- who links what ----------------------------------------------------------------------


def test_lessons_linking_names_the_lessons_that_use_a_key(demo, admin):
    linked = next(
        lesson for lesson in seeded_lessons(demo) if lesson.video_id and "/" in lesson.video_id
    )
    found = lessons_linking([linked.video_id, "videos/nobody-uses-this.mp4"], admin)
    assert list(found) == [linked.video_id]
    assert [lesson.id for lesson in found[linked.video_id]] == [linked.id]


def test_deleting_a_linked_object_is_refused_naming_the_lessons(demo, admin):
    linked = next(
        lesson for lesson in seeded_lessons(demo) if lesson.video_id and "/" in lesson.video_id
    )
    with pytest.raises(LinkedObjectDelete) as refused:
        refuse_delete_if_linked([linked.video_id, "videos/free.mp4"], admin)
    assert linked.title in str(refused.value)
    assert linked.video_id in str(refused.value)
    refuse_delete_if_linked(["videos/free.mp4"], admin)  # nothing links it: no error


# -- the link report ---------------------------------------------------------------------


def test_the_report_finds_the_seeded_broken_legacy_and_unused(demo, admin):
    info = demo.info
    s3 = make_client(info.s3_settings())
    report = check_links(admin, s3, info.bucket)
    lessons = seeded_lessons(demo)
    assert len(report.links) == len(lessons)
    states = {link.lesson.id: link.state for link in report.links}
    legacy = [lesson for lesson in lessons if lesson.video_id == backend_seed.LEGACY_VIDEO_ID]
    assert [states[lesson.id] for lesson in legacy] == [LinkState.LEGACY]
    broken = [link for link in report.links if link.state is LinkState.BROKEN]
    assert [link.lesson.title for link in broken] == ["Pricing your offer"]
    keys = {
        o["Key"]: o["Size"]
        for o in s3.list_objects_v2(Bucket=info.bucket, Prefix="videos/")["Contents"]
    }
    assert broken[0].lesson.video_id not in keys
    for link in report.links:
        if link.state is LinkState.LINKED:
            assert link.size == keys[link.lesson.video_id]
    used = {lesson.video_id for lesson in lessons}
    assert [o.key for o in report.unused_videos] == sorted(k for k in keys if k not in used)
    assert report.count(LinkState.NO_VIDEO) == sum(1 for lesson in lessons if not lesson.video_id)


# -- pending links -----------------------------------------------------------------------


def _upload_record(
    journal: Journal, bucket: str, key: str, size: int, state: str, etag: str
) -> str:
    record = UploadRecord(
        id=journal.new_id(), path="/tmp/x.mp4", size=size, mtime_ns=0, part_size=size,
        bucket=bucket, key=key, state=state, etag=etag,
    )  # fmt: skip
    return journal.create_upload(record).id


def test_a_pending_link_waits_for_a_verified_upload_then_links(demo, admin):
    info = demo.info
    s3 = make_client(info.s3_settings())
    lesson = next(lesson for lesson in seeded_lessons(demo) if not lesson.video_id)
    key = "videos/new-video-1767434839123-4821.mp4"
    body = b"v" * 4096
    with Journal() as journal, PendingLinks() as store:
        transfer = _upload_record(journal, info.bucket, key, len(body), TransferState.UPLOADING, "")
        store.add(PendingLink(info.bucket, key, lesson.id, info.api_url, len(body), transfer))

        def apply() -> list:
            return apply_pending_links(
                store, s3_for=lambda _link: s3, backend_for=lambda _url: admin, journal=journal
            )

        [result] = apply()
        assert result.outcome is Outcome.UPLOADING
        assert demo.backend.store.lesson(lesson.id).video_id is None

        etag = s3.put_object(Bucket=info.bucket, Key=key, Body=body)["ETag"].strip('"')
        journal.update_upload(transfer, state=TransferState.DONE, etag=etag)
        demo.backend.expire_all_tokens()
        [result] = apply()
        assert result.outcome is Outcome.WAITING, "a sign-in problem keeps the link for later"
        assert "expired" in store.all()[0].error

        admin.login(info.admin_email, info.admin_password)
        [result] = apply()
        assert result.outcome is Outcome.LINKED
        assert demo.backend.store.lesson(lesson.id).video_id == key
        assert store.all() == []


def test_a_pending_link_is_dropped_when_the_object_is_not_the_upload(demo, admin):
    info = demo.info
    s3 = make_client(info.s3_settings())
    lesson = next(lesson for lesson in seeded_lessons(demo) if not lesson.video_id)
    key = "videos/other-1767434839123-4821.mp4"
    s3.put_object(Bucket=info.bucket, Key=key, Body=b"someone else's bytes")
    with Journal() as journal, PendingLinks() as store:
        transfer = _upload_record(journal, info.bucket, key, 20, TransferState.DONE, "0" * 32)
        store.add(PendingLink(info.bucket, key, lesson.id, info.api_url, 20, transfer))
        cancelled = _upload_record(
            journal, info.bucket, "videos/c.mp4", 5, TransferState.CANCELLED, ""
        )
        store.add(PendingLink(info.bucket, "videos/c.mp4", lesson.id, info.api_url, 5, cancelled))
        results = apply_pending_links(
            store, s3_for=lambda _link: s3, backend_for=lambda _url: admin, journal=journal
        )
        assert [r.outcome for r in results] == [Outcome.DROPPED, Outcome.DROPPED]
        assert "not the file that was uploaded" in results[0].message
        assert "cancelled" in results[1].message
        assert store.all() == []
    assert demo.backend.store.lesson(lesson.id).video_id is None


# -- where the backend and the token come from -------------------------------------------


def test_the_api_url_comes_from_flag_env_connection_settings_then_profile(monkeypatch):
    monkeypatch.delenv(auth.API_URL_ENV, raising=False)
    assert auth.resolve_api_url() is None
    save_profile(Profile(name="p", bucket="bucket-one", api_url="https://profile.example.com/"))
    assert auth.resolve_api_url() == "https://profile.example.com"

    def remember(settings) -> None:
        settings.backend_url = "https://last.example.com"

    update_settings(remember)
    assert auth.resolve_api_url() == "https://last.example.com"
    assert (
        auth.resolve_api_url(connection_url="https://conn.example.com")
        == "https://conn.example.com"
    )
    monkeypatch.setenv(auth.API_URL_ENV, "HTTPS://Env.Example.com/")
    assert (
        auth.resolve_api_url(connection_url="https://conn.example.com") == "https://env.example.com"
    )
    assert auth.resolve_api_url("http://flag.example.com") == "http://flag.example.com"
    with pytest.raises(UsageError):
        auth.resolve_api_url("ftp://nope")


def test_tokens_are_kept_per_backend_and_the_environment_overrides(monkeypatch, memory_keyring):
    monkeypatch.delenv(auth.API_TOKEN_ENV, raising=False)
    auth.remember_token("https://a.example.com/", "token-of-a-123")
    assert auth.stored_token("https://a.example.com") == "token-of-a-123"
    assert auth.stored_token("https://b.example.com") is None
    monkeypatch.setenv(auth.API_TOKEN_ENV, "token-from-env-456")
    assert auth.stored_token("https://a.example.com") == "token-from-env-456"
    assert auth.forget_token("https://a.example.com")
    assert memory_keyring == {}


def test_the_settings_file_never_holds_a_token(memory_keyring, app_home):
    auth.remember_token("https://a.example.com", "token-DISTINCTIVE-789")
    auth.remember_login("https://a.example.com", "me@example.com")
    text = (app_home / "config" / "settings.json").read_text()
    assert "me@example.com" in text and "token-DISTINCTIVE-789" not in text
