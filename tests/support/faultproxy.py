"""A TCP proxy for HTTP/1.1 that injects faults, latency and a bandwidth cap.

It sits between a client and a real server on 127.0.0.1 and understands just
enough HTTP to see each request's head (method, target, Content-Length), so
that a test can say "reset the connection during the 3rd UploadPart" or
"answer the next PUT with 503 SlowDown". Responses are piped through blind.
It also counts what passes: every request and its body bytes, and the most
UploadPart bodies passing at once.

A ``rewrite`` fault plays another kind of server: the request goes to the real
server on a connection of its own and its answer (status, headers, body) is
reshaped before the client sees it (an SSE-KMS ETag, a checksum header, a 409).

Used by the tests (faults) and by bench/ (a 40 ms round trip and a capped
link). Threads only; every socket is on the loopback interface.
"""

from __future__ import annotations

import contextlib
import http.client
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

_CHUNK = 64 * 1024
_SLOWDOWN_BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>'
    b"<Message>Please reduce your request rate.</Message></Error>"
)


@dataclass(frozen=True)
class Request:
    index: int
    connection: int
    method: str
    target: str
    headers: dict[str, str]

    @property
    def content_length(self) -> int:
        return int(self.headers.get("content-length", "0") or 0)

    @property
    def part_number(self) -> int | None:
        if "partNumber=" not in self.target:
            return None
        value = self.target.split("partNumber=", 1)[1].split("&", 1)[0]
        return int(value)

    @property
    def is_upload_part(self) -> bool:
        return self.method == "PUT" and self.part_number is not None


@dataclass
class Reply:
    """A server's answer, as a ``rewrite`` fault may reshape it (header names lower case)."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Fault:
    """``reset`` (RST, optionally after ``after_bytes`` of the body), ``stall`` (stop for
    ``seconds``, then close), ``status`` (answer ``code`` with an S3 error, do not forward;
    ``early``: answer before reading the request's body and close, as a server may) or
    ``mute`` (forward the request, never deliver the reply: a reply lost on the way) or
    ``hold`` (forward the request, deliver its reply ``seconds`` later: a server slow to
    answer, or a link gone quiet while the reply was awaited) or ``rewrite`` (forward it
    with ``request``'s headers, answer ``reply(request, answer)``)."""

    kind: str
    after_bytes: int = 0
    seconds: float = 30.0
    code: int = 503
    body: bytes = _SLOWDOWN_BODY
    early: bool = False
    request: Callable[[dict[str, str]], dict[str, str]] | None = None
    reply: Callable[[Request, Reply], Reply] | None = None


@dataclass
class _Hold:
    """Until when a connection's replies are held back (``time.monotonic()``)."""

    until: float = 0.0


@dataclass
class _Rule:
    match: Callable[[Request], bool]
    fault: Fault
    times: int


@dataclass
class Stats:
    requests: list[Request] = field(default_factory=list)
    #: request index -> body bytes forwarded to the server
    body_bytes: dict[int, int] = field(default_factory=dict)
    faults: list[tuple[Request, Fault]] = field(default_factory=list)
    #: UploadPart bodies on their way through the proxy now, and the most at once.
    parts_now: int = 0
    parts_most: int = 0

    def upload_parts(self) -> list[Request]:
        return [r for r in self.requests if r.is_upload_part]


class RateLimiter:
    """Paces bytes to ``rate`` bytes/s, shared by every connection (one link)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def consume(self, count: int) -> None:
        with self._lock:
            now = time.monotonic()
            self._next = max(self._next, now)
            wait = self._next - now
            self._next += count / self.rate
        if wait > 0:
            time.sleep(wait)


class _Both(RateLimiter):
    """The link's limit (if any), then the connection's own."""

    def __init__(self, link: RateLimiter | None, own: RateLimiter) -> None:
        super().__init__(own.rate)
        self.link, self.own = link, own

    def consume(self, count: int) -> None:
        if self.link is not None:
            self.link.consume(count)
        self.own.consume(count)


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        *,
        latency: float = 0.0,
        rate: float | None = None,
        window: int = 1024 * 1024,
        connection_rate: float | None = None,
    ) -> None:
        """``upstream`` is ``http://host:port``; ``latency`` is the added round trip in
        seconds (half each way); ``rate`` caps bytes/s each way; ``window`` bounds the bytes
        in transit per connection and direction, like a TCP window; ``connection_rate``
        caps each connection's bytes/s each way, as S3 serves each connection."""
        host_port = upstream.split("://", 1)[-1].rstrip("/")
        host, _, port = host_port.partition(":")
        self.upstream = (host, int(port))
        self.one_way = latency / 2
        self.up_limit = RateLimiter(rate) if rate else None
        self.down_limit = RateLimiter(rate) if rate else None
        self.connection_rate = connection_rate
        self.window_chunks = max(1, window // _CHUNK)
        self.stats = Stats()
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        #: Set while new connections are refused (:meth:`cut`, :meth:`silence`).
        self._refusing = threading.Event()
        #: Cleared while every connection carries nothing (:meth:`silence`).
        self._heard = threading.Event()
        self._heard.set()
        self._sockets: set[socket.socket] = set()
        #: While :meth:`blackhole` drops connects: its listener and the connect that fills it.
        self._hole: list[socket.socket] = []
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]
        self._connections = 0
        self._thread = threading.Thread(target=self._accept, name="faultproxy", daemon=True)

    @staticmethod
    def _listen(port: int) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Small kernel buffers, as on a real link: loopback's megabytes would let a client
        # believe it has sent what is still queued here.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _CHUNK)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        listener.settimeout(0.2)
        return listener

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._heard.set()
        self._refuse()
        with self._lock:
            for sock in [*self._sockets, *self._hole]:
                with contextlib.suppress(OSError):
                    sock.close()

    def cut(self) -> None:
        """The network goes away: every connection is reset and new ones are refused
        (the client sees no connection made, as with Wi-Fi gone), until :meth:`restore`."""
        self._refuse()
        with self._lock:
            open_sockets = list(self._sockets)
        for sock in open_sockets:  # wakes the threads that read them (close alone would not)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._close(*open_sockets, reset=True)

    def silence(self) -> None:
        """The network goes quiet: every connection stays open but carries nothing, no reset
        and no close (as when Wi-Fi drops in the middle of a transfer: only a timeout tells),
        and new ones are refused, until :meth:`restore`."""
        self._heard.clear()
        self._refuse()

    def blackhole(self) -> None:
        """The network drops what it is sent: connections stay open and carry nothing, and a
        new connect gets no answer at all (times out, rather than being refused), until
        :meth:`restore`. The port listens with a full accept queue: Linux drops the SYNs."""
        self.silence()
        hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        hole.bind(("127.0.0.1", self.port))
        hole.listen(0)
        filler = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self._hole = [hole, filler]

    def restore(self) -> None:
        """The network is back: connections are accepted again on the same port, and those
        silenced carry their bytes again."""
        for sock in self._hole:
            sock.close()
        self._hole = []
        self._heard.set()
        self._listener = self._listen(self.port)
        self._refusing.clear()
        self._thread = threading.Thread(target=self._accept, name="faultproxy", daemon=True)
        self._thread.start()

    def _refuse(self) -> None:
        """No new connection: the listening socket closed (a connect is refused)."""
        self._refusing.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def add_fault(self, match: Callable[[Request], bool], fault: Fault, *, times: int = 1) -> None:
        with self._lock:
            self._rules.append(_Rule(match, fault, times))

    def _fault_for(self, request: Request) -> Fault | None:
        with self._lock:
            for rule in self._rules:
                if rule.times > 0 and rule.match(request):
                    rule.times -= 1
                    self.stats.faults.append((request, rule.fault))
                    return rule.fault
        return None

    # -- plumbing ------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._refusing.is_set():
            try:
                client, _addr = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._track(client)  # from now on a cut resets it
            with self._lock:
                self._connections += 1
                number = self._connections
            threading.Thread(
                target=self._serve, args=(client, number), name=f"proxy-{number}", daemon=True
            ).start()

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._sockets.update(socks)

    def _close(self, *socks: socket.socket, reset: bool = False) -> None:
        for sock in socks:
            with contextlib.suppress(OSError):
                if reset:
                    sock.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                    )
                sock.close()
            with self._lock:
                self._sockets.discard(sock)

    def _serve(self, client: socket.socket, number: int) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=10)
        except OSError:
            self._close(client)
            return
        server.settimeout(None)
        self._track(client, server)
        up: queue.Queue[tuple[float, bytes] | None] = queue.Queue(self.window_chunks)
        down: queue.Queue[tuple[float, bytes] | None] = queue.Queue(self.window_chunks)
        muted = threading.Event()
        held = _Hold()
        up_limit, down_limit = self.up_limit, self.down_limit
        if self.connection_rate:
            up_limit = _Both(up_limit, RateLimiter(self.connection_rate))
            down_limit = _Both(down_limit, RateLimiter(self.connection_rate))
        threads = [
            threading.Thread(target=self._deliver, args=(up, server, up_limit), daemon=True),
            threading.Thread(target=self._pipe, args=(server, down), daemon=True),
            threading.Thread(
                target=self._deliver, args=(down, client, down_limit, muted, held), daemon=True
            ),
        ]
        for thread in threads:
            thread.start()
        try:
            self._requests(client, number, up, muted, held)
        except OSError:
            pass
        finally:
            with contextlib.suppress(queue.Full):
                up.put(None, timeout=1)
            threads[0].join(timeout=5)
            self._close(server)
            threads[1].join(timeout=5)
            threads[2].join(timeout=5)
            self._close(client)

    def _pipe(self, source: socket.socket, sink: queue.Queue[tuple[float, bytes] | None]) -> None:
        """Server to client, blind: with the delay applied by the delivering thread."""
        try:
            while data := source.recv(_CHUNK):
                sink.put(self._stamp(data))
        except OSError:
            pass
        sink.put(None)

    def _stamp(self, data: bytes) -> tuple[float, bytes]:
        """The data with the time it may be delivered (one-way latency from now)."""
        return (time.monotonic() + self.one_way, data)

    def _deliver(
        self,
        source: queue.Queue[tuple[float, bytes] | None],
        sink: socket.socket,
        limit: RateLimiter | None,
        muted: threading.Event | None = None,
        held: _Hold | None = None,
    ) -> None:
        ended = False  # the producer's end (None) was taken
        try:
            while (item := source.get()) is not None:
                if muted is not None and muted.is_set():
                    continue
                due, data = item
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if limit is not None:
                    limit.consume(len(data))
                if held is not None:
                    self._stop.wait(held.until - time.monotonic())
                self._heard.wait()
                sink.sendall(data)
                self._sent(sink, len(data))
            ended = True
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
            # After a failed send, drain so that the producer never blocks, up to its end;
            # after the end there is nothing more to wait for (waiting kept the thread forever).
            while not ended and source.get() is not None:
                pass

    def _sent(self, sink: socket.socket, count: int) -> None:
        """``count`` bytes went to ``sink`` (the client, or the server): a subclass counts."""

    def _requests(
        self,
        client: socket.socket,
        number: int,
        up: queue.Queue[tuple[float, bytes] | None],
        muted: threading.Event,
        held: _Hold,
    ) -> None:
        """Client to server: parse each request head, apply a fault or forward it and its body."""
        buffer = b""
        while not self._stop.is_set():
            while b"\r\n\r\n" not in buffer:
                data = client.recv(_CHUNK)
                if not data:
                    return
                buffer += data
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            request = self._parse(head, number)
            fault = self._fault_for(request)
            if fault is not None and fault.kind == "status":
                waits = request.headers.get("expect", "").lower() == "100-continue"
                if not waits and not fault.early:
                    buffer = self._discard(client, buffer, request.content_length)
                self._answer(client, fault)
                return
            if fault is not None and fault.kind == "rewrite":
                self._rewrite(client, request, fault, buffer)
                return
            if fault is not None and fault.kind == "stall":
                self._stop.wait(fault.seconds)
                return
            if fault is not None and fault.kind == "mute":
                muted.set()
            if fault is not None and fault.kind == "hold":
                held.until = time.monotonic() + fault.seconds
            up.put(self._stamp(head + b"\r\n\r\n"))
            if request.is_upload_part:
                with self._part_body():
                    kept = self._forward(client, request, fault, buffer, up)
            else:
                kept = self._forward(client, request, fault, buffer, up)
            if kept is None:
                return
            buffer = kept

    @contextlib.contextmanager
    def _part_body(self) -> Iterator[None]:
        with self._lock:
            self.stats.parts_now += 1
            self.stats.parts_most = max(self.stats.parts_most, self.stats.parts_now)
        try:
            yield
        finally:
            with self._lock:
                self.stats.parts_now -= 1

    def _forward(
        self,
        client: socket.socket,
        request: Request,
        fault: Fault | None,
        buffer: bytes,
        up: queue.Queue[tuple[float, bytes] | None],
    ) -> bytes | None:
        """Forward the request's body (a ``reset`` fault cuts it); the bytes read past it,
        or None once the connection is closed."""
        remaining = request.content_length
        limit = fault.after_bytes if fault is not None and fault.kind == "reset" else None
        sent = 0
        while remaining:
            if not buffer:
                buffer = client.recv(min(_CHUNK, remaining))
                if not buffer:
                    return None
            piece, buffer = buffer[:remaining], buffer[remaining:]
            if limit is not None and sent + len(piece) >= limit:
                piece = piece[: max(0, limit - sent)]
                if piece:
                    up.put(self._stamp(piece))
                self._count(request, len(piece))
                self._close(client, reset=True)
                return None
            up.put(self._stamp(piece))
            self._count(request, len(piece))
            sent += len(piece)
            remaining -= len(piece)
        if fault is not None and fault.kind == "reset":
            self._close(client, reset=True)
            return None
        return buffer

    def _rewrite(
        self, client: socket.socket, request: Request, fault: Fault, buffer: bytes
    ) -> None:
        """Forward one request on a connection of its own, answer with the reshaped reply."""
        if request.headers.get("expect", "").lower() == "100-continue":
            client.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = buffer
        while len(body) < request.content_length:
            data = client.recv(_CHUNK)
            if not data:
                return
            body += data
        headers = {k: v for k, v in request.headers.items() if k not in ("expect", "connection")}
        if fault.request is not None:
            headers = fault.request(headers)
        upstream = http.client.HTTPConnection(*self.upstream, timeout=10)
        try:
            upstream.request(request.method, request.target, body=body or None, headers=headers)
            answer = upstream.getresponse()
            reply = Reply(answer.status, {k.lower(): v for k, v in answer.getheaders()}, b"")
            reply.body = answer.read()
        finally:
            upstream.close()
        if fault.reply is not None:
            reply = fault.reply(request, reply)
        reply.headers.pop("transfer-encoding", None)
        if request.method != "HEAD":
            reply.headers["content-length"] = str(len(reply.body))
        reply.headers["connection"] = "close"
        lines = [f"HTTP/1.1 {reply.status} X"] + [f"{k}: {v}" for k, v in reply.headers.items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        with contextlib.suppress(OSError):
            client.sendall(data + (b"" if request.method == "HEAD" else reply.body))
            client.shutdown(socket.SHUT_WR)

    def _parse(self, head: bytes, number: int) -> Request:
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = [*lines[0].split(" ", 2), "", ""][:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        with self._lock:
            request = Request(len(self.stats.requests), number, method, target, headers)
            self.stats.requests.append(request)
            self.stats.body_bytes[request.index] = 0
        return request

    def _count(self, request: Request, count: int) -> None:
        with self._lock:
            self.stats.body_bytes[request.index] += count

    @staticmethod
    def _discard(client: socket.socket, buffer: bytes, length: int) -> bytes:
        remaining = length - len(buffer[:length])
        buffer = buffer[length:]
        while remaining > 0:
            data = client.recv(min(_CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
        return buffer

    @staticmethod
    def _answer(client: socket.socket, fault: Fault) -> None:
        reason = {500: "Internal Server Error", 503: "Slow Down"}.get(fault.code, "Error")
        response = (
            f"HTTP/1.1 {fault.code} {reason}\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(fault.body)}\r\nConnection: close\r\n\r\n"
        ).encode() + fault.body
        with contextlib.suppress(OSError):
            client.sendall(response)
            client.shutdown(socket.SHUT_WR)
