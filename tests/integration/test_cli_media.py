"""`coachadmin upload` and `upload-link` probe videos first: notes on stderr, the object typed
and described as what the file is, the index moved to the front only with --faststart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.media import make, packet_hashes, sha256

from coachadmin.backend.client import BackendClient
from coachadmin.demo.environment import DemoEnvironment
from coachadmin.media.probe import IndexPosition, probe_file
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings
from coachadmin.services.sign_in import API_TOKEN_ENV, API_URL_ENV
from tests.support.transfers import json_lines, make_bucket, run_cli


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


def _lesson(media: Path, tmp_path: Path, recipe: str, name: str = "lesson.mp4") -> Path:
    target = tmp_path / name
    shutil.copy(make(media, recipe), target)
    return target


def _upload(s3_server: str, path: Path, bucket: str, *flags: str):
    return run_cli(
        "upload", str(path), f"s3://{bucket}/videos/", "--endpoint-url", s3_server, *flags
    )


def _fetch(s3_server: str, bucket: str, key: str, into: Path) -> tuple[dict, Path]:
    client = make_client(S3Settings(endpoint_url=s3_server))
    answer = client.get_object(Bucket=bucket, Key=key)
    into.write_bytes(answer["Body"].read())
    return answer, into


def test_moov_at_the_end_is_said_and_uploaded_as_it_is_without_the_flag(s3_server, media, tmp_path):
    bucket = make_bucket(s3_server)
    video = _lesson(media, tmp_path, "moov-at-end.mp4")
    result = _upload(s3_server, video, bucket)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "coachadmin: lesson.mp4: moov at the end: students wait for the whole file before "
        "playback starts (fixable losslessly)",
        "coachadmin: lesson.mp4: uploading it as it is; add --faststart to fix it first",
    ]
    answer, stored = _fetch(s3_server, bucket, "videos/lesson.mp4", tmp_path / "stored.mp4")
    assert sha256(stored) == sha256(video)
    assert answer["ContentType"] == "video/mp4"
    assert answer["Metadata"] == {"duration": "2.000", "resolution": "160x90"}


def test_faststart_uploads_a_fixed_copy_and_leaves_the_file_alone(s3_server, media, tmp_path):
    bucket = make_bucket(s3_server)
    video = _lesson(media, tmp_path, "moov-at-end.mp4")
    before = sha256(video)
    result = _upload(s3_server, video, bucket, "--faststart", "--metadata", "course=intro")
    assert result.returncode == 0, result.stderr
    assert "moving the index to the front (lossless)" in result.stderr
    answer, stored = _fetch(s3_server, bucket, "videos/lesson.mp4", tmp_path / "stored.mp4")
    assert probe_file(stored).index is IndexPosition.FRONT
    assert packet_hashes(stored) == packet_hashes(video)
    assert answer["Metadata"] == {"duration": "2.000", "resolution": "160x90", "course": "intro"}
    assert sha256(video) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.mp4", "stored.mp4"]  # no copy


def test_a_video_that_plays_everywhere_gets_no_note(s3_server, media, tmp_path):
    bucket = make_bucket(s3_server)
    result = _upload(s3_server, _lesson(media, tmp_path, "faststart.mp4"), bucket, "--faststart")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_hevc_is_said_and_uploaded(s3_server, media, tmp_path):
    bucket = make_bucket(s3_server)
    result = _upload(s3_server, _lesson(media, tmp_path, "hevc.mp4"), bucket, "--faststart")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "coachadmin: lesson.mp4: HEVC: does not play on many Android phones; export H.264"
    ]


def test_a_quicktime_movie_named_mp4_is_stored_as_quicktime(s3_server, media, tmp_path):
    bucket = make_bucket(s3_server)
    result = _upload(s3_server, _lesson(media, tmp_path, "quicktime-named.mp4"), bucket)
    assert result.returncode == 0, result.stderr
    assert "a QuickTime movie (.mov) named .mp4: stored as video/quicktime" in result.stderr
    answer, _ = _fetch(s3_server, bucket, "videos/lesson.mp4", tmp_path / "stored")
    assert answer["ContentType"] == "video/quicktime"


def test_not_a_video_named_mp4(s3_server, tmp_path):
    bucket = make_bucket(s3_server)
    fake = tmp_path / "lesson.mp4"
    fake.write_text("<html>an error page saved as a video</html>\n")
    result = _upload(s3_server, fake, bucket)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "coachadmin: lesson.mp4: not a video: this file holds no video a player can read"
    ]
    answer, _ = _fetch(s3_server, bucket, "videos/lesson.mp4", tmp_path / "stored")
    assert answer["ContentType"] == "application/octet-stream"
    assert answer["Metadata"] == {}


def test_upload_link_with_faststart_links_the_fixed_video(media, tmp_path, monkeypatch):

    video = _lesson(media, tmp_path, "moov-at-end.mp4", "Week 1 Intro.mp4")
    with DemoEnvironment(plain_objects=0) as demo:
        info = demo.info
        token = BackendClient(info.api_url).login(info.admin_email, info.admin_password).token
        monkeypatch.setenv(API_URL_ENV, info.api_url)
        monkeypatch.setenv(API_TOKEN_ENV, token)
        lesson = next(
            lesson
            for course in demo.backend.store.courses()
            for lesson in demo.backend.store.lessons(course.id)
            if not lesson.video_id
        )
        result = run_cli(
            "upload-link", lesson.id, str(video), "--bucket", info.bucket,
            "--endpoint-url", info.s3_endpoint, "--faststart",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines()[:2] == [
            "coachadmin: Week 1 Intro.mp4: moov at the end: students wait for the whole file "
            "before playback starts (fixable losslessly)",
            "coachadmin: Week 1 Intro.mp4: moving the index to the front (lossless)…",
        ]
        key = demo.backend.store.lesson(lesson.id).video_id
        assert key is not None and key.startswith("videos/week-1-intro-"), key
        client = make_client(info.s3_settings())
        answer = client.get_object(Bucket=info.bucket, Key=key)
        stored = tmp_path / "stored.mp4"
        stored.write_bytes(answer["Body"].read())
    assert probe_file(stored).index is IndexPosition.FRONT
    assert answer["Metadata"] == {"duration": "2.000", "resolution": "160x90"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Week 1 Intro.mp4", "stored.mp4"]


def test_check_links_names_the_seeded_videos_that_may_not_play(tmp_path, monkeypatch):

    with DemoEnvironment(plain_objects=0) as demo:
        info = demo.info
        token = BackendClient(info.api_url).login(info.admin_email, info.admin_password).token
        monkeypatch.setenv(API_URL_ENV, info.api_url)
        monkeypatch.setenv(API_TOKEN_ENV, token)
        where = ("--bucket", info.bucket, "--endpoint-url", info.s3_endpoint)

        result = run_cli("check-links", *where, "--json")
        assert result.returncode == 1, "the seeded broken and legacy links"
        report = json_lines(result.stdout)[0]
        found = {p["title"]: p["media"] for p in report["mediaProblems"]}
        assert set(found) == {"Discovery calls that convert", "Designing packages and programmes"}
        assert found["Discovery calls that convert"]["issues"] == ["not-streamable"]
        assert found["Discovery calls that convert"]["streamable"] is False
        assert found["Designing packages and programmes"]["issues"] == ["unusual-codec"]
        assert found["Designing packages and programmes"]["videoCodec"] == "hevc"
        assert all(0 < m["bytesRead"] <= 256 * 1024 for m in found.values())

        good = report["unusedVideos"][0]["key"]  # the orphan: the sample that plays everywhere
        for problem in report["problems"]:  # mend the broken and legacy links
            linked = run_cli(
                "link", problem["lessonId"], f"s3://{info.bucket}/{good}", "--replace", *where[2:]
            )
            assert linked.returncode == 0, linked.stderr
        clean = run_cli("check-links", *where)
        assert clean.returncode == 0, "media problems alone do not fail the check"
        assert "Videos that may not play for students (2):" in clean.stdout
        assert "not streamable: moov at the end" in clean.stdout
        assert "HEVC: does not play on every phone" in clean.stdout
        assert run_cli("check-links", *where, "--strict").returncode == 1
        skipped = run_cli("check-links", *where, "--no-media", "--strict", "--json")
        assert skipped.returncode == 0
        assert json_lines(skipped.stdout)[0]["mediaProblems"] == []
