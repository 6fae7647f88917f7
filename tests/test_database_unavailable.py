"""A busy or unreachable database answers 503 with Retry-After, never 500 (issue 8, item 6)."""
import socket
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from messaging import create_app
from messaging.extensions import db
from messaging.services import accounts
from messaging.services.platform_settings import ensure_default_settings
from tests.factories import PASSWORD


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def file_app(tmp_path):
    """An app on a SQLite file, so that a second connection can hold its write lock."""
    path = tmp_path / "busy.sqlite3"
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                                           "ATTACHMENT_ROOT": str(tmp_path / "uploads")})
    with app.app_context():
        db.create_all()
        ensure_default_settings()
        accounts.create_vendor("shop-a", "Shop A")
        accounts.create_customer("cust@example", "shop-a", "Cora", PASSWORD)
        db.session.commit()
        db.session.remove()
    yield app, path
    with app.app_context():
        db.engine.dispose()


def test_a_locked_sqlite_answers_503_on_the_api_and_the_pages(file_app):
    app, path = file_app
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"email": "cust@example", "password": PASSWORD,
                                                    "vendor_code": "shop-a"}).get_json()["token"]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    try:
        # A revocation writes: it waits the busy timeout (5 s), then gives up.
        api = client.post("/api/v1/auth/revoke", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 503
        assert api.headers["Retry-After"] == "5"
        assert api.get_json()["error"]["code"] == "service_unavailable"

        signed_in = app.test_client()  # signing in only reads, which WAL allows during a write
        signed_in.post("/shop/login", data={"email": "cust@example", "password": PASSWORD,
                                            "vendor_code": "shop-a"})
        page = signed_in.post("/logout")  # signing out writes the session version
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        assert page.mimetype == "text/html"
        assert "busy" in page.get_data(as_text=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Once the lock is gone everything works again, the refused request changed nothing.
    assert client.get("/api/v1/shop/messages", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_an_unreachable_database_answers_503(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url, "ATTACHMENT_ROOT": str(tmp_path)})
    client = app.test_client()

    api = client.post("/api/v1/auth/token", json={"email": "a@b.example", "password": "whatever"})
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "30"
    assert api.get_json()["error"] == {
        "code": "service_unavailable",
        "message": "The service cannot reach its database right now. Please try again shortly.",
    }

    page = client.get("/shop/login")  # lists the shops from the database
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert "cannot reach its database" in page.get_data(as_text=True)
    page = client.get("/admin/messages", headers={"HX-Request": "true"})  # no session: no database needed
    assert page.status_code == 401


def test_a_failed_commit_answers_503_with_every_header_and_keeps_nothing(caller, service, marketplace, threads,
                                                                        monkeypatch):
    """The unit of work commits before the other after-request hooks run, so the answer it makes of a
    failed commit still gets their headers (no caching, no sniffing) like any other."""
    from sqlalchemy.orm import Session

    api = caller(marketplace.customer_a)
    conversation_id = threads["vendor_customer"].id
    before = api.get(f"/{conversation_id}").get_json()["message_count"]

    def fail(_session):
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    with monkeypatch.context() as patched:
        patched.setattr(Session, "commit", fail)
        # With an Idempotency-Key the send and its record commit through the Session on either
        # database (on PostgreSQL a send of text alone otherwise commits itself, in its one statement).
        answer = api.post(f"/{conversation_id}/messages", json={"content": "lost?"}, headers={"Idempotency-Key": "k1"})
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "service_unavailable"
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert api.get(f"/{conversation_id}").get_json()["message_count"] == before


def test_a_send_whose_message_cannot_be_written_answers_503_and_keeps_nothing(caller, marketplace, threads,
                                                                              monkeypatch):
    """Without an Idempotency-Key: on PostgreSQL the send is one statement that would commit itself,
    on SQLite the message's INSERT follows the counters' UPDATE in the Session's transaction. Either
    way the database refusing the message leaves the conversation's counters, the unread counts and
    the live events as they were."""
    from messaging import prepared_statements
    from messaging.models import ConversationParticipant, LiveEvent

    api = caller(marketplace.customer_a)
    conversation_id = threads["vendor_customer"].id
    before = api.get(f"/{conversation_id}").get_json()["message_count"]
    count = lambda model: db.session.query(model).count()  # noqa: E731
    unread_before = db.session.query(ConversationParticipant.unread_count).order_by(ConversationParticipant.id).all()
    events_before = count(LiveEvent)
    db.session.commit()
    original = prepared_statements._run

    def refuse_messages(connection, compiled, parameters):
        if "INSERT INTO messages" in compiled.sql:
            raise OperationalError(compiled.sql, {}, sqlite3.OperationalError("disk I/O error"))
        return original(connection, compiled, parameters)

    with monkeypatch.context() as patched:
        patched.setattr(prepared_statements, "_run", refuse_messages)
        answer = api.post(f"/{conversation_id}/messages", json={"content": "lost?"})
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "service_unavailable"
    db.session.remove()
    assert api.get(f"/{conversation_id}").get_json()["message_count"] == before
    assert db.session.query(ConversationParticipant.unread_count).order_by(ConversationParticipant.id).all() \
        == unread_before
    assert count(LiveEvent) == events_before
