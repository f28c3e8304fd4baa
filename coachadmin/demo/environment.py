"""The embedded demo environment: a seeded S3 server and demo backend, on loopback.

``coachadmin --demo`` and "Try the demo" run it (in a child process, see
:mod:`coachadmin.demo.process`) so a person can try the whole tool without an
AWS account; tests run it in-process. Both servers listen on 127.0.0.1 only,
on ports the OS picks, and :meth:`DemoEnvironment.stop` leaves no thread,
port or temporary file behind.

moto keeps buckets in process-global state: a second environment in the same
process resets the bucket ``coachadmin-demo`` and seeds it again with the same
keys (the seed is fixed), so run one environment at a time per process.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from types import TracebackType

from coachadmin.connection import Connection
from coachadmin.demo import backend_seed
from coachadmin.demo.backend_server import DemoBackend
from coachadmin.demo.s3_seed import seed_bucket
from coachadmin.demo.s3_server import DemoS3Server
from coachadmin.s3.client import S3Settings, make_client

log = logging.getLogger("coachadmin.demo")

BUCKET = "coachadmin-demo"
REGION = "eu-north-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"  # noqa: S105 - moto accepts anything; obviously fake on purpose


@dataclass(frozen=True)
class DemoInfo:
    """Where the demo is and how to sign in; the JSON line ``coachadmin demo-server`` prints."""

    s3_endpoint: str
    api_url: str
    bucket: str
    region: str
    access_key: str
    secret_key: str
    admin_email: str
    admin_password: str
    author_email: str
    author_password: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def s3_settings(self) -> S3Settings:
        return S3Settings(
            endpoint_url=self.s3_endpoint,
            region=self.region,
            access_key=self.access_key,
            secret_key=self.secret_key,
        )

    def connection(self) -> Connection:
        """The connection the app opens on the demo."""
        return Connection(
            name="Demo",
            bucket=self.bucket,
            s3=self.s3_settings(),
            api_url=self.api_url,
            demo=True,
        )


class DemoEnvironment:
    """Start with :meth:`start` (or ``with``); read :attr:`info`; :meth:`stop` when done."""

    def __init__(self, *, token_ttl_seconds: float = 3600.0, plain_objects: int = 300) -> None:
        self._token_ttl = token_ttl_seconds
        self._plain_objects = plain_objects
        self._s3_server: DemoS3Server | None = None
        self._backend: DemoBackend | None = None
        self._info: DemoInfo | None = None

    @property
    def info(self) -> DemoInfo:
        if self._info is None:
            raise RuntimeError("the demo environment is not running: call start() first")
        return self._info

    @property
    def backend(self) -> DemoBackend:
        if self._backend is None:
            raise RuntimeError("the demo environment is not running: call start() first")
        return self._backend

    def start(self) -> DemoInfo:
        if self._info is not None:
            return self._info
        try:
            self._s3_server = DemoS3Server()
            self._s3_server.start()
            s3 = S3Settings(
                endpoint_url=self._s3_server.endpoint_url,
                region=REGION,
                access_key=ACCESS_KEY,
                secret_key=SECRET_KEY,
            )
            client = make_client(s3, max_pool_connections=16)
            try:
                media = seed_bucket(client, BUCKET, REGION, plain_objects=self._plain_objects)
            finally:
                client.close()
            self._backend = DemoBackend(
                s3=s3, bucket=BUCKET, media=media, token_ttl_seconds=self._token_ttl
            )
            api_url = self._backend.start()
        except BaseException:
            self.stop()
            raise
        self._info = DemoInfo(
            s3_endpoint=self._s3_server.endpoint_url,
            api_url=api_url,
            bucket=BUCKET,
            region=REGION,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            admin_email=backend_seed.ADMIN_EMAIL,
            admin_password=backend_seed.ADMIN_PASSWORD,
            author_email=backend_seed.AUTHOR_EMAIL,
            author_password=backend_seed.AUTHOR_PASSWORD,
        )
        log.info("demo environment up: S3 %s, API %s", self._info.s3_endpoint, api_url)
        return self._info

    def stop(self) -> None:
        """Stop both servers; safe to call twice or after a failed start."""
        if self._backend is not None:
            self._backend.stop()
            self._backend = None
        if self._s3_server is not None:
            self._s3_server.stop()
            self._s3_server = None
        if self._info is not None:
            log.info("demo environment stopped")
        self._info = None

    def __enter__(self) -> DemoEnvironment:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
