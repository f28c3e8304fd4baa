"""The demo backend as one object: start it, hand out its URL, stop it without a trace.

Its data lives in SQLite: in the demo's data directory when it has one (a user's
changes to the lessons are there at the next start), otherwise in a fresh
temporary directory removed on stop. A new database is seeded with the sample
courses. It talks to the demo S3 server with its own boto3 client, as the real
backend talks to AWS with its own credentials.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from pathlib import Path

from coachadmin.demo.backend_context import BackendContext
from coachadmin.demo.backend_handlers import api_routes
from coachadmin.demo.backend_http import ApiApp, ApiServer
from coachadmin.demo.backend_seed import seed_store
from coachadmin.demo.backend_store import DemoStore
from coachadmin.demo.s3_seed import SeededMedia
from coachadmin.demo.serving import LOOPBACK, POLL_INTERVAL
from coachadmin.s3.client import make_client
from coachadmin.s3.settings import S3Settings

log = logging.getLogger("coachadmin.demo")


class DemoBackend:
    """The platform's REST API on ``http://127.0.0.1:<free port>``, seeded."""

    def __init__(
        self,
        *,
        s3: S3Settings,
        bucket: str,
        media: SeededMedia,
        token_ttl_seconds: float = 3600.0,
        database: Path | None = None,
    ) -> None:
        """``database``: the SQLite file to keep (seeded when new); None for a throwaway one."""
        self._s3_settings = s3
        self._bucket = bucket
        self._media = media
        self._database = database
        self._token_ttl = token_ttl_seconds
        self._tmpdir: Path | None = None
        self._context: BackendContext | None = None
        self._server: ApiServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the demo backend is not running: call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def data_dir(self) -> Path | None:
        """The temporary directory holding a throwaway database (None otherwise)."""
        return self._tmpdir

    @property
    def store(self) -> DemoStore:
        if self._context is None:
            raise RuntimeError("the demo backend is not running: call start() first")
        return self._context.store

    def start(self) -> str:
        """Open (and seed when new) the database, start serving; the base URL."""
        database = self._database
        if database is None:
            self._tmpdir = Path(tempfile.mkdtemp(prefix="coachadmin-demo-"))
            database = self._tmpdir / "backend.sqlite3"
        try:
            store = DemoStore(database)
            self._context = BackendContext(
                store=store,
                s3=make_client(self._s3_settings, max_pool_connections=8),
                bucket=self._bucket,
                token_ttl_seconds=self._token_ttl,
            )
            if store.fresh:
                seed_store(store, self._media)
            self._server = ApiServer((LOOPBACK, 0), ApiApp(api_routes(self._context)))
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": POLL_INTERVAL},
                name="demo-api",
                daemon=True,
            )
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        log.info("demo backend listening on %s", self.url)
        return self.url

    def expire_all_tokens(self) -> None:
        """Make every session token issued so far expired (for tests and demos of expiry)."""
        self.store.expire_all_sessions()

    def stop(self) -> None:
        """Close the port, end open connections, join the threads, delete the database."""
        if self._server is not None:
            if self._thread is not None:
                self._server.shutdown()
                self._thread.join()
            self._server.server_close()
            self._server.close_connections()
        if self._context is not None:
            self._context.s3.close()
            self._context.store.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
        self._server = self._thread = self._context = self._tmpdir = None
