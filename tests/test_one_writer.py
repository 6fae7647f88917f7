"""On a SQLite file the requests that write share one connection per process (messaging/one_writer.py):
they follow one another on it, slow work that needs no database holds it up for nobody, and a
request that cannot have it in time answers 503 and keeps nothing.

Always a SQLite file, whatever TEST_DATABASE_URL says: the one connection is SQLite's alone."""
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from werkzeug.test import EnvironBuilder, run_wsgi_app

from messaging import create_app
from messaging.extensions import db
from messaging.models import ConversationType, Message
from messaging.one_writer import ONE_WRITER_BIND
from messaging.services import accounts, messaging_service, search_backlog
from messaging.services.api_tokens import ApiTokens
from messaging.services.attachments import MessageAttachmentService
from messaging.services.platform_settings import ensure_default_settings
from tests.factories import PASSWORD, build_marketplace, start
from tests.sample_files import PDF

# Long enough for a test machine under load, short enough to wait for in a test.
WAIT_SECONDS = 1.0
# How long a request held up on purpose may keep the others waiting, at most.
STUCK_SECONDS = 10


@pytest.fixture
def file_app(tmp_path):
    app = create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'writes.sqlite3'}",
        "ATTACHMENT_ROOT": str(tmp_path / "uploads"),
        "SQLITE_WRITER_WAIT_SECONDS": WAIT_SECONDS,
    })
    with app.app_context():
        db.create_all()
        ensure_default_settings()
        marketplace = build_marketplace()
        service = messaging_service()
        conversation = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a)
        db.session.commit()
        tokens = ApiTokens(app.config["SECRET_KEY"], app.config["API_TOKEN_MAX_AGE_SECONDS"])
        world = {
            "conversation": conversation.id,
            "customer": f"Bearer {tokens.issue(marketplace.customer_a).token}",
            "staff": f"Bearer {tokens.issue(marketplace.staff_a).token}",
        }
        db.session.remove()
    yield app, world
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose()


def send(app, world, who: str = "customer", text: str = "Still there?"):
    return app.test_client().post(f"/api/v1/{'shop' if who == 'customer' else 'vendor'}/messages/"
                                  f"{world['conversation']}/messages",
                                  json={"content": text}, headers={"Authorization": world[who]})


def messages_saying(app, text: str) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Message).where(Message.content == text))
        db.session.remove()
        return count


class HeldUp:
    """Patched in for a slow step: the first call waits, inside the request, until released."""

    def __init__(self, step):
        self.step = step
        self.reached = threading.Event()
        self.released = threading.Event()

    def __call__(self, *args, **kwargs):
        if not self.reached.is_set():
            self.reached.set()
            assert self.released.wait(STUCK_SECONDS), "the held-up request was never released"
        return self.step(*args, **kwargs)


def test_the_requests_that_write_share_one_connection_and_reads_keep_their_own(file_app):
    app, world = file_app
    with app.app_context():
        writer = db.engines[ONE_WRITER_BIND]
        assert (writer.pool.size(), writer.pool._max_overflow) == (1, 0)
        assert db.engine.pool.size() > 1
    assert send(app, world).status_code == 201
    assert send(app, world, "staff", "On it.").status_code == 201
    with app.app_context():
        assert writer.pool.checkedin() == 1  # both sends ran on it, and it is back
    assert app.test_client().get("/api/v1/shop/messages/unread-count",
                                 headers={"Authorization": world["customer"]}).get_json() == {"total_unread": 2}  # the first message and the reply


def test_a_slow_upload_holds_up_no_other_sender(file_app):
    """The body of a write request arrives before it asks the database anything."""
    app, world = file_app
    half_sent, rest_arrives = threading.Event(), threading.Event()
    builder = EnvironBuilder(
        path=f"/api/v1/shop/messages/{world['conversation']}/messages", method="POST",
        data={"content": "invoice", "attachments": (io.BytesIO(PDF), "invoice.pdf")},
        headers={"Authorization": world["customer"]})
    environ = builder.get_environ()
    request_body = environ["wsgi.input"].read()
    builder.close()

    class SlowNetwork(io.RawIOBase):
        """The first half of the body now, the rest once the test says so."""

        def __init__(self):
            self.sent = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            if self.sent >= len(request_body) // 2:
                half_sent.set()
                assert rest_arrives.wait(STUCK_SECONDS)
            chunk = request_body[self.sent:self.sent + min(len(buffer), 64)]
            buffer[:len(chunk)] = chunk
            self.sent += len(chunk)
            return len(chunk)

    environ["wsgi.input"] = SlowNetwork()
    with ThreadPoolExecutor(1) as pool:
        upload = pool.submit(lambda: run_wsgi_app(app, environ, buffered=True)[1])
        assert half_sent.wait(STUCK_SECONDS)
        reply = send(app, world, "staff", "Meanwhile, a reply.")
        still_uploading = not upload.done()
        rest_arrives.set()
        assert upload.result(STUCK_SECONDS).startswith("201")
    assert reply.status_code == 201 and still_uploading
    assert messages_saying(app, "invoice") == 1


def send_while_held_up(app, world, held: HeldUp, held_request, who: str = "staff", text: str = "Meanwhile, a reply."):
    """Start ``held_request`` on a thread of its own; once it waits at ``held``, send; then let it go
    on. Both answers, the held request's first."""
    with ThreadPoolExecutor(1) as pool:
        held_answer = pool.submit(held_request)
        assert held.reached.wait(STUCK_SECONDS)
        reply = send(app, world, who, text)
        held.released.set()
        return held_answer.result(STUCK_SECONDS), reply


def test_a_sign_in_holds_up_no_sender_while_it_checks_the_password(file_app, monkeypatch):
    app, world = file_app
    hashing = HeldUp(accounts.check_password_hash)
    monkeypatch.setattr(accounts, "check_password_hash", hashing)
    token, reply = send_while_held_up(app, world, hashing, lambda: app.test_client().post(
        "/api/v1/auth/token", json={"email": "staff@a.example", "password": PASSWORD, "vendor_code": "shop-a"}))
    assert reply.status_code == 201
    assert token.status_code == 200 and token.get_json()["token"]


def test_a_file_being_checked_holds_up_no_sender(file_app, monkeypatch):
    app, world = file_app
    checking = HeldUp(MessageAttachmentService.validate_all)
    monkeypatch.setattr(MessageAttachmentService, "validate_all", lambda service, uploads: checking(service, uploads))
    upload, reply = send_while_held_up(app, world, checking, lambda: app.test_client().post(
        f"/api/v1/shop/messages/{world['conversation']}/messages",
        data={"content": "invoice", "attachments": [(io.BytesIO(PDF), "invoice.pdf")]},
        content_type="multipart/form-data", headers={"Authorization": world["customer"]}))
    assert (upload.status_code, reply.status_code) == (201, 201)
    assert messages_saying(app, "invoice") == 1


def test_a_writer_that_cannot_have_the_connection_in_time_answers_503_and_keeps_nothing(file_app, monkeypatch):
    app, world = file_app
    # Held up between its message's INSERT and its commit.
    writing = HeldUp(search_backlog.index_after_commit)
    monkeypatch.setattr(search_backlog, "index_after_commit", writing)
    first, refused = send_while_held_up(app, world, writing, lambda: send(app, world, "staff", "First in line."),
                                        who="customer", text="Too late.")
    assert first.status_code == 201
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "5"
    assert refused.get_json()["error"]["code"] == "service_unavailable"
    assert messages_saying(app, "Too late.") == 0
    assert send(app, world, "customer", "Too late.").status_code == 201  # tried again, it goes through
