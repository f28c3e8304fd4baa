"""moto's S3 server on a free loopback port, over real HTTP, that stops completely.

:class:`DemoS3Server` is moto's :class:`ThreadedMotoServer` with three changes
the demo needs: it binds 127.0.0.1 only on a port the OS picks, it does not
print every request (werkzeug's default, which would flood the demo-server's
stderr pipe), and ``stop()`` also closes open connections so no handler
thread or port outlives it. moto keeps its buckets in process-global state, so
the objects stay until someone deletes them (see :mod:`coachadmin.demo.s3_seed`);
with :class:`~coachadmin.demo.persistence.S3Snapshots` they are saved to disk too.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from coachadmin.demo.persistence import S3Snapshots
from coachadmin.demo.serving import (
    LOOPBACK,
    POLL_INTERVAL,
    QuietRequestHandler,
    TrackingWSGIServer,
)


class _QuietMotoHandler(QuietRequestHandler, MotoRequestHandler):
    """moto's request handler, logging to our logger at DEBUG instead of to stderr."""

    log_label = "s3"


class _S3Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher for a server that serves S3 alone.

    moto works out each request's service from its host, headers and body, and
    scans its own package directory to do so, under a global lock; that costs
    more than the S3 call itself and serialises the seeding threads. Everything
    here is S3 except moto's own ``/moto-api``.
    """

    #: Set when the state is saved: requests pass its gate and report changes.
    snapshots: S3Snapshots | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        snapshots = self.snapshots
        if snapshots is None:
            return super().__call__(environ, start_response)
        with snapshots.gate.request():
            result = super().__call__(environ, start_response)
        if environ.get("REQUEST_METHOD") in ("PUT", "POST", "DELETE"):
            snapshots.changed()
        return result

    def get_application(self, environ: dict[str, Any]) -> Any:
        if str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
            return super().get_application(environ)
        with self.lock:
            app = self.app_instances.get("s3")
            if app is None:
                app = self.app_instances["s3"] = self.create_app("s3")
        return app


class _S3WSGIServer(TrackingWSGIServer):
    thread_label = "demo-s3"


class DemoS3Server(ThreadedMotoServer):
    """moto's S3 (and only S3, as installed) on ``http://127.0.0.1:<free port>``."""

    def __init__(self, snapshots: S3Snapshots | None = None) -> None:
        super().__init__(ip_address=LOOPBACK, port=0, verbose=False)
        self._snapshots = snapshots
        self._wsgi: _S3WSGIServer | None = None
        self._failure: BaseException | None = None

    def _server_entry(self) -> None:
        try:
            app = _S3Dispatcher(create_backend_app)
            app.snapshots = self._snapshots
            self._wsgi = _S3WSGIServer(LOOPBACK, 0, app, handler=_QuietMotoHandler)
            self._server = self._wsgi
        except BaseException as error:  # reported by start(), which waits for this
            self._failure = error
            raise
        finally:
            self._server_ready_event.set()
        self._wsgi.serve_forever(poll_interval=POLL_INTERVAL)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server_entry, name="demo-s3", daemon=True)
        self._thread.start()
        self._server_ready_event.wait()
        if self._failure is not None:
            raise RuntimeError(f"the demo S3 server did not start: {self._failure}")

    @property
    def endpoint_url(self) -> str:
        host, port = self.get_host_and_port()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Stop accepting, close the port, end open connections, join every thread."""
        self._server_ready_event.clear()
        if self._wsgi is not None:
            self._wsgi.shutdown()  # serve_forever() returns and closes the listening socket
            self._wsgi.server_close()
            self._wsgi.close_connections()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
