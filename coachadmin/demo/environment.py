"""The embedded demo environment: a seeded S3 server and demo backend, on loopback.

``coachadmin --demo`` and "Try the demo" run it (in a child process, see
:mod:`coachadmin.demo.process`) so a person can try the whole tool without an
AWS account; tests run it in-process. Both servers listen on 127.0.0.1 only,
on ports the OS picks, and :meth:`DemoEnvironment.stop` leaves no thread,
port or temporary file behind.

With a ``data_dir`` (the app's demo, see :mod:`coachadmin.demo.home`) the demo
keeps what a user puts in it: objects, unfinished multipart uploads and the
lessons are saved there and come back at the next start, whatever ended the last
one; ``reset`` starts it fresh. Without one it is seeded anew and forgotten at stop.

moto keeps buckets in process-global state: a second environment in the same
process resets the bucket ``coachadmin-demo`` and seeds it again with the same
keys (the seed is fixed), so run one environment at a time per process.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import TracebackType

from coachadmin.demo import backend_seed
from coachadmin.demo.backend_server import DemoBackend
from coachadmin.demo.home import DemoHome
from coachadmin.demo.info import DemoInfo
from coachadmin.demo.persistence import S3Snapshots, SnapshotUnreadable
from coachadmin.demo.s3_seed import SeededMedia, planned_objects, seed_bucket
from coachadmin.demo.s3_server import DemoS3Server
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings

log = logging.getLogger("coachadmin.demo")

BUCKET = "coachadmin-demo"
REGION = "eu-north-1"
ACCESS_KEY = "testing"
SECRET_KEY = "testing"  # noqa: S105 - moto accepts anything; obviously fake on purpose
#: In the data directory: the demo backend's database, and the S3 snapshot's directory.
DATABASE = "backend.sqlite3"
S3_STATE = "s3"


class DemoEnvironment:
    """Start with :meth:`start` (or ``with``); read :attr:`info`; :meth:`stop` when done."""

    def __init__(
        self,
        *,
        token_ttl_seconds: float = 3600.0,
        plain_objects: int = 300,
        data_dir: Path | None = None,
        reset: bool = False,
        owner: int | None = None,
    ) -> None:
        """``data_dir``: keep the demo there (None: a throwaway demo); ``reset``: start it
        fresh; ``owner``: the process (a window) whose end ends this demo."""
        self._token_ttl = token_ttl_seconds
        self._plain_objects = plain_objects
        self._home = DemoHome(data_dir) if data_dir is not None else None
        self._reset = reset
        self._owner = owner
        self._snapshots: S3Snapshots | None = None
        self._s3_server: DemoS3Server | None = None
        self._backend: DemoBackend | None = None
        self._info: DemoInfo | None = None
        #: After start: True when the demo was seeded now, False when it was restored.
        self.fresh = True

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
            self._open_home()
            self._s3_server = DemoS3Server(self._snapshots)
            self._s3_server.start()
            s3 = S3Settings(
                endpoint_url=self._s3_server.endpoint_url,
                region=REGION,
                access_key=ACCESS_KEY,
                secret_key=SECRET_KEY,
            )
            media = self._restore_or_seed(s3)
            self._backend = DemoBackend(
                s3=s3,
                bucket=BUCKET,
                media=media,
                token_ttl_seconds=self._token_ttl,
                database=self._home.path / DATABASE if self._home else None,
            )
            api_url = self._backend.start()
            if self._snapshots is not None:
                if self.fresh:
                    self._snapshots.snapshot()
                self._snapshots.start()
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
        if self._home is not None:
            self._home.publish(self._info.as_dict(), owner=self._owner)
        log.info("demo environment up: S3 %s, API %s", self._info.s3_endpoint, api_url)
        return self._info

    def _open_home(self) -> None:
        """Take the data directory (if any) and decide whether the demo starts fresh."""
        if self._home is None:
            return
        self._home.acquire()
        if self._reset:
            self._home.reset()
        self._snapshots = S3Snapshots(self._home.path / S3_STATE)
        restorable = self._snapshots.exists() and (self._home.path / DATABASE).is_file()
        if not restorable and any(p.name != "lock" for p in self._home.path.iterdir()):
            log.warning("the demo's saved state is incomplete: the demo starts fresh")
            self._home.reset()
        self.fresh = not restorable

    def _restore_or_seed(self, s3: S3Settings) -> SeededMedia:
        if not self.fresh and self._snapshots is not None and self._home is not None:
            try:
                self._snapshots.restore()
            except SnapshotUnreadable as error:
                log.warning("the demo's saved state cannot be read (%s): it starts fresh", error)
                self._home.reset()
                self.fresh = True
        client = make_client(s3, max_pool_connections=16)
        try:
            if self.fresh:
                return seed_bucket(client, BUCKET, REGION, plain_objects=self._plain_objects)
            return planned_objects(self._plain_objects)[1]
        finally:
            client.close()

    def stop(self) -> None:
        """Stop both servers (saving the demo's state last); safe to call twice or after a
        failed start."""
        if self._home is not None:
            self._home.withdraw()
        if self._backend is not None:
            self._backend.stop()
            self._backend = None
        if self._s3_server is not None:
            self._s3_server.stop()
            self._s3_server = None
        if self._snapshots is not None:
            self._snapshots.stop(save=self._info is not None)
            self._snapshots = None
        if self._home is not None:
            self._home.release()
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
