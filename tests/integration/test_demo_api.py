"""The demo backend over real HTTP, every answer checked against resources/api/openapi.yaml."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from botocore.exceptions import ClientError
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from coachadmin.demo.backend_uploads import MAX_UPLOAD_BODY
from coachadmin.demo.environment import DemoEnvironment
from coachadmin.resource_path import resource
from coachadmin.s3.client import make_client

SPEC: dict[str, Any] = yaml.safe_load(resource("api", "openapi.yaml").read_text("utf-8"))
SPEC_URI = "urn:coachadmin:openapi"
REGISTRY = Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(SPEC))
METHODS = {"get", "post", "patch", "put", "delete"}


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _spec_path(path: str) -> str | None:
    for template in SPEC["paths"]:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path):
            return str(template)
    return None


def check_against_spec(method: str, path: str, status: int, body: Any) -> None:
    """The status is documented for this path and method, and the body matches its schema."""
    template = _spec_path(path)
    operation = SPEC["paths"][template].get(method.lower()) if template else None
    if operation is None:  # an unknown route (404) or method (405): the generic failures
        assert status == (404 if template is None else 405), (method, path, status)
        _validator("/components/schemas/Failure").validate(body)
        return
    responses = operation["responses"]
    assert str(status) in responses, f"{method} {path} answered {status}, not in the spec"
    pointer = f"/paths/{_escape(template or '')}/{method.lower()}/responses/{status}"
    if "$ref" in responses[str(status)]:
        pointer = responses[str(status)]["$ref"].removeprefix("#")
    _validator(f"{pointer}/content/application~1json/schema").validate(body)


class Api:
    """A requests session on the demo API that checks every answer against the spec."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def call(
        self, method: str, path: str, *, expect: int, token: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.session.request(
            method, self.base_url + path, headers=headers, timeout=15, **kwargs
        )
        assert response.status_code == expect, response.text
        assert response.headers["Content-Type"] == "application/json"
        body: dict[str, Any] = response.json()
        check_against_spec(method, path, response.status_code, body)
        assert body["success"] is (expect < 400)
        return body

    def login(self, email: str, password: str) -> str:
        body = self.call(
            "POST", "/api/auth/login", expect=200, json={"email": email, "password": password}
        )
        return str(body["data"]["token"])


@pytest.fixture(scope="module")
def env() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(plain_objects=20) as environment:
        yield environment


@pytest.fixture(scope="module")
def api(env: DemoEnvironment) -> Iterator[Api]:
    client = Api(env.info.api_url)
    yield client
    client.session.close()


@pytest.fixture(scope="module")
def s3(env: DemoEnvironment) -> Iterator[Any]:
    client = make_client(env.info.s3_settings())
    yield client
    client.close()


@pytest.fixture
def admin(api: Api, env: DemoEnvironment) -> str:
    return api.login(env.info.admin_email, env.info.admin_password)


@pytest.fixture
def author(api: Api, env: DemoEnvironment) -> str:
    return api.login(env.info.author_email, env.info.author_password)


def all_lessons(api: Api, token: str) -> dict[str, dict[str, Any]]:
    """Every lesson of every course, by title."""
    found: dict[str, dict[str, Any]] = {}
    for course in api.call("GET", "/api/courses", expect=200, token=token)["data"]["courses"]:
        data = api.call("GET", f"/api/courses/{course['id']}/lessons", expect=200, token=token)[
            "data"
        ]
        found.update({lesson["title"]: lesson for lesson in data["lessons"]})
    return found


# -- signing in


def test_login_as_admin_and_author(api: Api, env: DemoEnvironment) -> None:
    for email, password, role, name in (
        (env.info.admin_email, env.info.admin_password, "admin", "Ada Admin"),
        (env.info.author_email, env.info.author_password, "author", "Otto Author"),
    ):
        body = api.call(
            "POST", "/api/auth/login", expect=200, json={"email": email, "password": password}
        )
        user = body["data"]["user"]
        assert (user["email"], user["role"], user["name"]) == (email, role, name)
        expires = datetime.fromisoformat(body["data"]["expiresAt"])
        assert expires.tzinfo is not None and expires.utcoffset() == timedelta(0)
        assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
        me = api.call("GET", "/api/auth/me", expect=200, token=body["data"]["token"])
        assert me["data"] == user


def test_wrong_password_or_unknown_email(api: Api, env: DemoEnvironment) -> None:
    for email, password in ((env.info.admin_email, "nope"), ("ghost@demo.test", "demo-admin")):
        body = api.call(
            "POST", "/api/auth/login", expect=401, json={"email": email, "password": password}
        )
        assert body["message"] == "Wrong email or password"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "admin@demo.test"}, "password"),
        ({"password": "x"}, "email"),
        ({"email": 5, "password": "x"}, "email"),
    ],
)
def test_login_missing_or_invalid_field_names_it(
    api: Api, payload: dict[str, Any], field: str
) -> None:
    body = api.call("POST", "/api/auth/login", expect=400, json=payload)
    assert field in body["message"]


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b""])
def test_login_with_a_body_that_is_not_a_json_object(api: Api, raw: bytes) -> None:
    body = api.call(
        "POST",
        "/api/auth/login",
        expect=400,
        data=raw,
        headers={"Content-Type": "application/json"},
    )
    assert "JSON" in body["message"]


def test_no_token_or_a_forged_one_is_told_to_sign_in(api: Api) -> None:
    assert api.call("GET", "/api/courses", expect=401)["message"] == "Sign in first"
    assert api.call("GET", "/api/auth/me", expect=401, token="forged")["message"] == "Sign in first"
    body = api.call("GET", "/api/courses", expect=401, headers={"Authorization": "Basic YTpi"})
    assert body["message"] == "Sign in first"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/auth/me"),
        ("GET", "/api/courses"),
        ("GET", "/api/courses/x/lessons"),
        ("PATCH", "/api/lessons/x"),
        ("GET", "/api/videos/x/stream-url"),
        ("DELETE", "/api/videos/x"),
        ("POST", "/api/upload/image"),
        ("POST", "/api/upload/video"),
    ],
)
def test_every_endpoint_but_login_needs_a_token(api: Api, method: str, path: str) -> None:
    # Before the body is looked at: an anonymous caller learns nothing else.
    body = api.call(method, path, expect=401, json={"videoId": None})
    assert body["message"] == "Sign in first"


def test_expired_tokens_get_401_saying_expired(api: Api, env: DemoEnvironment, admin: str) -> None:
    api.call("GET", "/api/auth/me", expect=200, token=admin)
    env.backend.expire_all_tokens()
    body = api.call("GET", "/api/courses", expect=401, token=admin)
    assert "expired" in body["message"]
    fresh = api.login(env.info.admin_email, env.info.admin_password)
    api.call("GET", "/api/courses", expect=200, token=fresh)


# -- courses and lessons


def test_courses_and_lessons_as_seeded(api: Api, author: str) -> None:
    courses = api.call("GET", "/api/courses", expect=200, token=author)["data"]["courses"]
    assert len(courses) == 3
    video_ids: list[str | None] = []
    for course in courses:
        data = api.call("GET", f"/api/courses/{course['id']}/lessons", expect=200, token=author)[
            "data"
        ]
        assert data["course"] == course
        lessons = data["lessons"]
        assert 4 <= len(lessons) <= 8
        assert course["lessonCount"] == len(lessons)
        assert [lesson["order"] for lesson in lessons] == list(range(1, len(lessons) + 1))
        assert {lesson["courseId"] for lesson in lessons} == {course["id"]}
        video_ids += [lesson["videoId"] for lesson in lessons]
    legacy = [v for v in video_ids if v is not None and re.fullmatch(r"[0-9a-f]{32}", v)]
    keys = [v for v in video_ids if v is not None and v.startswith("videos/")]
    assert len(legacy) == 1
    assert len(keys) >= 4
    assert video_ids.count(None) >= 3
    assert len(keys) + len(legacy) + video_ids.count(None) == len(video_ids)


def test_unknown_course_lesson_and_route_are_404(api: Api, admin: str) -> None:
    api.call("GET", "/api/courses/nope/lessons", expect=404, token=admin)
    api.call("PATCH", "/api/lessons/nope", expect=404, token=admin, json={"videoId": None})
    api.call("GET", "/api/videos/nope/stream-url", expect=404, token=admin)
    api.call("DELETE", "/api/videos/nope", expect=404, token=admin)
    api.call("GET", "/api/nothing-here", expect=404, token=admin)
    # An escaped slash belongs to the id: the route matches, the course does not exist.
    body = api.call("GET", "/api/courses/a%2Fb/lessons", expect=404, token=admin)
    assert body["message"] == "There is no course with id a/b"


def test_wrong_method_is_405_with_allow(api: Api, admin: str) -> None:
    response = requests.put(f"{api.base_url}/api/courses", timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    check_against_spec("PUT", "/api/courses", 405, response.json())
    api.call("GET", "/api/auth/login", expect=405, token=admin)


def test_link_then_unlink_persists(
    api: Api, admin: str, author: str, env: DemoEnvironment, s3: Any
) -> None:
    lesson = all_lessons(api, admin)["The coaching mindset"]
    assert lesson["videoId"] is None
    keys = [
        item["Key"]
        for item in s3.list_objects_v2(Bucket=env.info.bucket, Prefix="videos/")["Contents"]
    ]
    key = keys[0]
    body = api.call(
        "PATCH", f"/api/lessons/{lesson['id']}", expect=200, token=admin, json={"videoId": key}
    )
    assert body["data"] == {**lesson, "videoId": key}
    assert all_lessons(api, author)["The coaching mindset"]["videoId"] == key
    body = api.call(
        "PATCH", f"/api/lessons/{lesson['id']}", expect=200, token=admin, json={"videoId": None}
    )
    assert body["data"]["videoId"] is None
    assert all_lessons(api, author)["The coaching mindset"]["videoId"] is None
    s3.head_object(Bucket=env.info.bucket, Key=key)  # unlinking never deletes


@pytest.mark.parametrize(
    "payload",
    [{}, {"video": "videos/a.mp4"}, {"videoId": 42}, {"videoId": ["videos/a.mp4"]}, {"videoId": ""},
     {"videoId": "   "}, {"videoId": "/videos/a.mp4"}, {"videoId": "videos/../secret"},
     {"videoId": "videos/" + "a" * 1020}],
)  # fmt: skip
def test_bad_video_ids_are_400_naming_the_field(
    api: Api, admin: str, payload: dict[str, Any]
) -> None:
    lesson = all_lessons(api, admin)["Setting goals that stick"]
    body = api.call("PATCH", f"/api/lessons/{lesson['id']}", expect=400, token=admin, json=payload)
    assert "videoId" in body["message"]
    assert all_lessons(api, admin)["Setting goals that stick"]["videoId"] is None


def test_authors_may_read_but_not_change(api: Api, author: str) -> None:
    lesson = all_lessons(api, author)["The coaching mindset"]
    body = api.call(
        "PATCH", f"/api/lessons/{lesson['id']}", expect=403, token=author, json={"videoId": None}
    )
    assert "admin" in body["message"]
    linked = all_lessons(api, author)["Welcome and how this course works"]
    assert (
        "admin"
        in api.call("DELETE", f"/api/videos/{linked['id']}", expect=403, token=author)["message"]
    )
    files = {"video": ("clip.mp4", b"\x00" * 10, "video/mp4")}
    assert (
        "admin"
        in api.call("POST", "/api/upload/video", expect=403, token=author, files=files)["message"]
    )
    api.call("GET", f"/api/videos/{linked['id']}/stream-url", expect=200, token=author)


# -- videos


def test_stream_url_is_a_presigned_sigv4_url_for_eu_north_1(
    api: Api, author: str, env: DemoEnvironment
) -> None:
    lesson = all_lessons(api, author)["Active listening in practice"]
    data = api.call("GET", f"/api/videos/{lesson['id']}/stream-url", expect=200, token=author)[
        "data"
    ]
    assert (data["lessonId"], data["courseId"]) == (lesson["id"], lesson["courseId"])
    url = urlsplit(data["streamingUrl"])
    assert f"{url.scheme}://{url.netloc}" == env.info.s3_endpoint
    assert url.path == f"/{env.info.bucket}/{lesson['videoId']}"
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url.query
    assert "eu-north-1%2Fs3%2Faws4_request" in url.query
    assert "X-Amz-Expires=3600" in url.query
    left = datetime.fromisoformat(data["expiration"]) - datetime.now(UTC)
    assert timedelta(minutes=59) < left <= timedelta(hours=1)


def test_stream_url_of_a_lesson_without_video_or_with_a_legacy_id(api: Api, author: str) -> None:
    lessons = all_lessons(api, author)
    no_video = lessons["Your first practice session"]
    body = api.call("GET", f"/api/videos/{no_video['id']}/stream-url", expect=404, token=author)
    assert body["message"] == "This lesson has no video"
    legacy = lessons["Building trust in the first session"]
    body = api.call("GET", f"/api/videos/{legacy['id']}/stream-url", expect=409, token=author)
    assert "legacy Cloudflare" in body["message"]
    assert "re-upload" in body["message"]


def test_upload_link_and_delete_a_video(
    api: Api, admin: str, env: DemoEnvironment, s3: Any
) -> None:
    payload = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
    files = {"video": ("Bonus Q&A.mp4", payload, "video/mp4")}
    data = api.call("POST", "/api/upload/video", expect=200, token=admin, files=files)["data"]
    assert re.fullmatch(r"videos/bonus-q-a-\d{13}-\d{4}\.mp4", data["s3Key"])
    assert data["videoId"] == data["s3Key"]
    assert (data["bucket"], data["originalName"], data["size"], data["mimetype"]) == (
        env.info.bucket, "Bonus Q&A.mp4", len(payload), "video/mp4"
    )  # fmt: skip
    assert requests.get(data["videoUrl"], timeout=10).content == payload
    lesson = all_lessons(api, admin)["Handling resistance and silence"]
    api.call(
        "PATCH",
        f"/api/lessons/{lesson['id']}",
        expect=200,
        token=admin,
        json={"videoId": data["videoId"]},
    )

    body = api.call("DELETE", f"/api/videos/{lesson['id']}", expect=200, token=admin)
    assert body["data"] == {"lessonId": lesson["id"], "deletedKey": data["s3Key"]}
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=env.info.bucket, Key=data["s3Key"])
    assert error.value.response["Error"]["Code"] == "404"
    assert all_lessons(api, admin)["Handling resistance and silence"]["videoId"] is None
    body = api.call("DELETE", f"/api/videos/{lesson['id']}", expect=404, token=admin)
    assert body["message"] == "This lesson has no video"


def test_deleting_a_legacy_video_is_refused(api: Api, admin: str) -> None:
    legacy = all_lessons(api, admin)["Building trust in the first session"]
    body = api.call("DELETE", f"/api/videos/{legacy['id']}", expect=409, token=admin)
    assert "legacy" in body["message"]
    assert (
        all_lessons(api, admin)["Building trust in the first session"]["videoId"]
        == legacy["videoId"]
    )


# -- uploads


def test_author_uploads_an_image(api: Api, author: str, env: DemoEnvironment, s3: Any) -> None:
    png = resource("sample-media", "sample-cover.png").read_bytes()
    files = {"image": ("Course Cover.PNG", png, "image/png")}
    data = api.call("POST", "/api/upload/image", expect=200, token=author, files=files)["data"]
    assert re.fullmatch(r"images/course-cover-\d{13}-\d{4}\.png", data["s3Key"])
    stored = s3.get_object(Bucket=env.info.bucket, Key=data["s3Key"])
    assert stored["Body"].read() == png
    assert stored["ContentType"] == "image/png"
    assert requests.get(data["imageUrl"], timeout=10).content == png


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"files": {"picture": ("a.png", b"png", "image/png")}}, "image"),
        ({"json": {"image": "a.png"}}, "multipart/form-data"),
        ({"files": {"image": ("notes.txt", b"text", "text/plain")}}, "image/"),
    ],
)
def test_bad_image_uploads_are_400(
    api: Api, author: str, kwargs: dict[str, Any], words: str
) -> None:
    body = api.call("POST", "/api/upload/image", expect=400, token=author, **kwargs)
    assert words in body["message"]


def test_upload_over_100_mb_is_413_before_the_body_is_sent(
    env: DemoEnvironment, admin: str
) -> None:
    url = urlsplit(env.info.api_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.putrequest("POST", "/api/upload/video")
        connection.putheader("Authorization", f"Bearer {admin}")
        connection.putheader("Content-Type", "multipart/form-data; boundary=xyz")
        connection.putheader("Content-Length", str(MAX_UPLOAD_BODY + 1))
        connection.endheaders()
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 413
    assert response.getheader("Content-Type") == "application/json"
    assert "100 MB" in body["message"]
    check_against_spec("POST", "/api/upload/video", 413, body)


# -- the checker itself


def test_the_spec_check_rejects_what_the_contract_forbids() -> None:
    good = {
        "success": True,
        "message": "OK",
        "data": {"id": "1", "courseId": "c", "title": "t", "order": 1, "videoId": None},
    }
    check_against_spec("PATCH", "/api/lessons/1", 200, good)
    for bad in (
        {**good, "data": {**good["data"], "order": "1"}},
        {**good, "data": {**good["data"], "extra": 1}},
        {**good, "success": False},
        {"success": True, "data": good["data"]},
    ):
        with pytest.raises(ValidationError):
            check_against_spec("PATCH", "/api/lessons/1", 200, bad)
    with pytest.raises(AssertionError):
        check_against_spec("PATCH", "/api/lessons/1", 409, {"success": False, "message": "x"})
    with pytest.raises(ValidationError):
        check_against_spec("GET", "/api/auth/me", 200, {**good, "data": {"id": "1"}})
