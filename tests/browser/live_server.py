"""The app on a real port, in a thread, on a file SQLite database loaded with the demo data."""
import threading
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from messaging import create_app
from messaging.demo_data import load_demo_data
from messaging.extensions import db


class QuietRequestHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


@dataclass
class LiveServer:
    url: str
    app: object
    server: BaseWSGIServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)
        with self.app.app_context():
            db.engine.dispose()


def start_live_server(workdir: Path, poll_seconds: int = 1, live: bool = True) -> LiveServer:
    app = create_app(
        "testing",
        overrides={
            # A file, not memory: the server's threads must share one database.
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'browser.sqlite3'}",
            "ATTACHMENT_ROOT": str(workdir / "uploads"),
            # The browser tests post real forms: CSRF on, as in production.
            "WTF_CSRF_ENABLED": True,
            "POLL_INTERVAL_SECONDS": poll_seconds,
            "LIVE_DELIVERY": live,
        },
    )
    with app.app_context():
        db.create_all()
        load_demo_data()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    return LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, server=server, thread=thread)
