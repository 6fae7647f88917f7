"""A request reads through a connection of its own until it writes (messaging/read_connection.py):
polls open no transaction, every connection is given back (a read one to wait for the next
request, and one the database dropped to be replaced), a request that writes reads what it wrote,
and one that comes to write (a POST) reads on the connection it writes on."""
import io

import pytest
from flask import g
from sqlalchemy import event, text
from sqlalchemy.pool import StaticPool

from messaging import read_connection
from messaging.extensions import db
from messaging.models import ConversationType
from messaging.planned_once import PLANNED_ONCE_BIND
from messaging.services import messaging_service
from tests.conftest import uses_postgres
from tests.factories import build_marketplace, start
from tests.postgres_databases import scratch_postgres_app
from tests.web.page_support import HTMX, sign_in_staff

# On SQLite a database file: an in-memory one is a single connection that every request shares.
pytestmark = pytest.mark.sqlite_file_database


class Counted:
    """How often the app's engines (on PostgreSQL the planned_once one too) fire ``event_name`` within
    the block: "begin" for a transaction begun, "checkout" for a connection taken from a pool."""

    def __init__(self, event_name: str):
        self.engines = list(db.engines.values())
        self.event_name = event_name
        self.count = 0

    def _fired(self, *_):
        self.count += 1

    def __enter__(self):
        for engine in self.engines:
            event.listen(engine, self.event_name, self._fired)
        return self

    def __exit__(self, *exc):
        for engine in self.engines:
            event.remove(engine, self.event_name, self._fired)


def test_polls_and_page_reads_begin_no_transaction(vendor_client, caller, marketplace, threads):
    thread = f"/vendor/messages/{threads['vendor_customer'].id}"
    vendor_client.get(thread, headers=HTMX)  # nothing unread for its writer from here on
    api = caller(marketplace.staff_a)
    db.session.remove()
    with Counted("begin") as begun:
        assert vendor_client.get("/vendor/messages/unread-badge", headers=HTMX).status_code == 200
        assert vendor_client.get("/vendor/messages", headers=HTMX).status_code == 200
        assert vendor_client.get(thread, headers=HTMX).status_code == 200
        assert api.get("/unread-count").status_code == 200
    assert begun.count == 0


def test_every_request_gives_its_connections_back(vendor_client, customer_client, caller, marketplace, threads):
    thread_id = threads["vendor_customer"].id
    api = caller(marketplace.customer_a)
    responses = [
        vendor_client.get("/vendor/messages/unread-badge", headers=HTMX),
        customer_client.get(f"/shop/account/messages/{thread_id}", headers=HTMX),  # reads, then marks read
        api.post(f"/{thread_id}/messages", json={"content": "Read, then written"}),
        api.get("/999999"),  # refused after reading
        vendor_client.get("/vendor/messages/999999", headers=HTMX),
    ]
    assert [response.status_code for response in responses] == [200, 200, 201, 404, 404]
    assert g.get("_read_connection") is None
    for engine in db.engines.values():
        if not isinstance(engine.pool, StaticPool):  # an in-memory SQLite database is one shared connection
            # Out of the pool only the read connection that waits for the next request (one client, one).
            assert engine.pool.checkedout() == read_connection.kept_for_next_request(engine) <= 1


def test_polls_read_on_the_connection_the_last_request_gave_back(vendor_client, caller, marketplace):
    """Polls take nothing from the pool: each reads on the connection the one before left waiting."""
    api = caller(marketplace.staff_a)
    db.session.remove()  # the fixtures' Session, which the first request would read in

    def poll_everything():
        assert vendor_client.get("/vendor/messages/unread-badge", headers=HTMX).status_code == 200
        assert vendor_client.get("/vendor/messages", headers=HTMX).status_code == 200
        assert api.get("/unread-count").status_code == 200

    with Counted("checkout") as taken_from_the_pool:
        for _ in range(3):
            poll_everything()
    assert taken_from_the_pool.count == 1  # by the first poll; the others read on the connection it left


def test_a_read_connection_the_database_dropped_is_replaced(tmp_path):
    """PostgreSQL ends every connection of the app (a restart, an administrator): the poll that finds
    its waiting read connection gone answers 503, as on any lost connection, and the next reads on a new one."""
    with scratch_postgres_app("messaging_dropped_read_test", tmp_path) as app:
        with app.app_context():
            build_marketplace()
            db.session.commit()
            reads = db.engines[PLANNED_ONCE_BIND]
        client = app.test_client()
        sign_in_staff(client, "staff@a.example")
        badge = "/vendor/messages/unread-badge"
        assert client.get(badge, headers=HTMX).status_code == 200
        assert read_connection.kept_for_next_request(reads) == 1
        with app.app_context(), db.engine.connect() as administrator:
            ended = administrator.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
        assert ended >= 1
        lost = client.get(badge, headers=HTMX)
        assert lost.status_code == 503 and lost.headers["Retry-After"]
        assert [client.get(badge, headers=HTMX).status_code for _ in range(2)] == [200, 200]
        assert read_connection.kept_for_next_request(reads) == 1
        with app.app_context(), db.engine.connect() as administrator:
            # A read connection reconnected in place would have lost its autocommit, and sit in a transaction.
            assert administrator.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND state LIKE 'idle in transaction%'")).scalar() == 0


def test_a_request_that_writes_answers_with_what_it_wrote(customer_client, service, marketplace, threads):
    conversation_id = threads["vendor_customer"].id
    service.send_message(marketplace.staff_a, conversation_id, "Two unread now")
    badge_before = customer_client.get("/shop/account/messages/unread-badge", headers=HTMX)
    assert 'data-count="3"' in badge_before.get_data(as_text=True)  # two here, one from the platform
    # Opening the thread reads it, marks it read, and announces that; the badge then says so.
    opened = customer_client.get(f"/shop/account/messages/{conversation_id}", headers=HTMX)
    assert "Two unread now" in opened.get_data(as_text=True)
    assert "messages-read" in opened.headers.get("HX-Trigger", "")
    badge_after = customer_client.get("/shop/account/messages/unread-badge", headers=HTMX)
    assert 'data-count="1"' in badge_after.get_data(as_text=True)


def test_a_request_that_comes_to_write_reads_and_writes_on_one_connection(app, vendor_client, caller, marketplace,
                                                                          threads):
    """A send reads (the sign-in check, the conversation) on the connection it then writes on: a
    second one would be a second checkout, and on SQLite a second page cache to drop. (On
    PostgreSQL a send is one statement on the read connection, which a request may find waiting
    from the last one: no checkout at all.)"""
    app.config["SEARCH_INDEX_BATCH"] = 1_000_000  # indexing search's backlog takes a connection of its own
    thread_id = threads["vendor_customer"].id
    api = caller(marketplace.customer_a)
    db.session.remove()
    with Counted("checkout") as by_the_api:
        assert api.post(f"/{thread_id}/messages", json={"content": "One connection"}).status_code == 201
    with Counted("checkout") as by_the_page:
        reply = vendor_client.post(f"/vendor/messages/{thread_id}/messages", data={"content": "One here too"})
        assert reply.status_code == 302
    with Counted("checkout") as by_a_poll:
        assert vendor_client.get("/vendor/messages/unread-badge", headers=HTMX).status_code == 200
    counts = (by_the_api.count, by_the_page.count, by_a_poll.count)
    assert (max(counts) == 1) if uses_postgres() else (counts == (1, 1, 1)), counts


@pytest.mark.parametrize("sender", ["staff_a2", "customer_a"])
def test_a_request_that_writes_in_its_session_holds_one_connection_at_a_time(app, caller, marketplace, threads,
                                                                              sender):
    """staff_a2's first answer joins the conversation, and customer_a's message carries a file: both
    write in the Session's transaction after reading (the sign-in check, the conversation). On
    PostgreSQL those reads go through the read connection, which the Session then takes over as it
    begins; on SQLite the Session's connection reads them. Either way one connection, not two."""
    app.config["SEARCH_INDEX_BATCH"] = 1_000_000
    thread_id = threads["vendor_customer"].id
    api = caller(getattr(marketplace, sender))
    db.session.commit()
    db.session.remove()
    used = set()

    def note_connection(connection, *_):
        used.add(id(connection.connection.dbapi_connection))

    engines = list(db.engines.values())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", note_connection)
    try:
        if sender == "customer_a":
            answer = api.post(f"/{thread_id}/messages", data={
                "content": "With a file", "attachments": [(io.BytesIO(b"%PDF-1.4 a receipt"), "receipt.pdf")]})
        else:
            answer = api.post(f"/{thread_id}/messages", json={"content": "I can help"})
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", note_connection)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert len(used) == 1


def test_on_postgresql_polls_and_sends_are_planned_once_and_searches_for_their_words(tmp_path):
    """The inbox a shop polls, and a reply it sends, are planned once for any caller, not at every
    call; a search, which runs in a page's Session, is still planned for the words it looks for."""
    with scratch_postgres_app("messaging_read_plans_test", tmp_path) as app:
        with app.app_context():
            marketplace = build_marketplace()
            service = messaging_service()
            conversation_id = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER,
                                    marketplace.customer_a, "Your order").id
            db.session.commit()
            client = app.test_client()
            sign_in_staff(client, "staff@a.example")
            thread = f"/vendor/messages/{conversation_id}"
            for number in range(8):  # psycopg prepares a statement on its sixth run
                assert client.get("/vendor/messages", headers=HTMX).status_code == 200
                assert client.post(f"{thread}/messages", data={"content": f"Reply {number}"}).status_code == 302
            # Both on the request's read connection, which waits for the next request: take it as one would.
            with app.test_request_context(method="GET"):
                planned_once = read_connection.connection_for(db.session, writes=False)
                assert planned_once.engine is db.engines[PLANNED_ONCE_BIND]
                plans = {kind: (generic, custom) for kind, generic, custom in planned_once.execute(text(
                    "SELECT CASE WHEN statement LIKE :inbox THEN 'inbox' ELSE 'send' END,"
                    " sum(generic_plans), sum(custom_plans) FROM pg_prepared_statements"
                    " WHERE statement LIKE :inbox OR statement LIKE :send GROUP BY 1"),
                    {"inbox": "%AS matching%", "send": "%UPDATE conversations SET%"})}
                read_connection.release()
            assert plans.keys() == {"inbox", "send"} and all(custom == 0 for _, custom in plans.values()), plans
            db.session.remove()
            for method, planning in (("GET", "auto"), ("POST", "force_generic_plan")):
                with app.test_request_context(method=method):
                    assert db.session.execute(text("SHOW plan_cache_mode")).scalar() == planning
                    db.session.remove()
