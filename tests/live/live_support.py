"""Live delivery tests: the app on a real port, and SSE streams read the way a browser reads them."""
import json
import shutil
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from werkzeug.serving import make_server

from messaging import create_app
from messaging.extensions import db
from tests.browser.live_server import QuietRequestHandler

# For tests that stop or pause Redis: they start a redis-server of their own (OwnRedis).
needs_redis_server = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


@dataclass
class Server:
    url: str
    app: object
    stop: object


def serve(workdir: Path, **overrides) -> Server:
    """The app on a free port in threads (one per open stream), on a file SQLite database."""
    app = create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'live.sqlite3'}",
        "ATTACHMENT_ROOT": str(workdir / "uploads"),
        **overrides,
    })
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()

    return Server(f"http://127.0.0.1:{server.server_port}", app, stop)


@dataclass
class Received:
    id: int | None
    name: str
    data: dict


@dataclass
class StreamReader:
    """Reads one event stream in a thread, recording its events; ``ended`` once the server closed it."""

    url: str
    headers: dict = field(default_factory=dict)
    cookies: object = None
    events: list[Received] = field(default_factory=list)
    status: int | None = None
    ended: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)
    comments: int = 0

    def open(self) -> "StreamReader":
        """Connect as EventSource does (HTTP/1.0 here, so the body is plain lines until the server closes)."""
        target = urlsplit(self.url)
        headers = {"Host": target.netloc, "Accept": "text/event-stream", **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)
        self._socket = socket.create_connection((target.hostname, target.port), timeout=30)
        path = target.path + (f"?{target.query}" if target.query else "")
        request = f"GET {path} HTTP/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self._socket.sendall(request.encode())
        self._lines = self._socket.makefile("rb")
        self.status = int(self._lines.readline().split()[1])
        while self._lines.readline() not in (b"\r\n", b"\n", b""):
            pass
        threading.Thread(target=self._read, daemon=True).start()
        return self

    def _read(self) -> None:
        frame: dict = {}
        try:
            for line in self._lines:
                raw = line.decode().rstrip("\r\n")
                if raw == "":
                    self._dispatch(frame)
                    frame = {}
                elif raw.startswith(":"):
                    self.comments += 1
                else:
                    name, _, value = raw.partition(":")
                    frame[name] = value.removeprefix(" ")
        except Exception:
            pass
        finally:
            self.ended.set()

    def _dispatch(self, frame: dict) -> None:
        if "event" not in frame:
            return
        event = Received(int(frame["id"]) if "id" in frame else None, frame["event"], json.loads(frame.get("data") or "{}"))
        if event.name == "ready":
            self.ready.set()
        self.events.append(event)

    def close(self) -> None:
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._socket.close()

    def named(self, *names: str) -> list[Received]:
        return [event for event in self.events if event.name in names]

    def wait_for(self, predicate, timeout: float = 5) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return predicate()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def token_for(base_url: str, email: str, password: str, vendor_code: str | None = None) -> dict:
    body = {"email": email, "password": password}
    if vendor_code:
        body["vendor_code"] = vendor_code
    answer = requests.post(f"{base_url}/api/v1/auth/token", json=body, timeout=10)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def wait_for_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


class OwnRedis:
    """A redis-server process of the test's own, on a free port: stopping it touches nobody else."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "OwnRedis":
        import shutil
        import subprocess

        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server is not installed")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def reconnect(url: str, headers: dict, timeout: float = 15) -> StreamReader:
    """Connect again and again, as EventSource does, until a stream says it is ready."""
    deadline = time.monotonic() + timeout
    while True:
        reader = StreamReader(url, headers=headers).open()
        if reader.ready.wait(1):
            return reader
        reader.close()
        if time.monotonic() > deadline:
            raise TimeoutError(f"no ready stream at {url}")


class CommittingService:
    """The messaging service with each call committed, as a request commits (inside an app context)."""

    def __getattr__(self, name):
        from messaging.services import messaging_service

        def call(*args, **kwargs):
            result = getattr(messaging_service(), name)(*args, **kwargs)
            db.session.commit()
            return result

        return call
