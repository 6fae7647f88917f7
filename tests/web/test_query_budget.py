"""The hot paths' SQL budget per request, signing in included (issue 11).

Counted from an empty session, as a real request starts. Writes are counted apart: a thread
opened with nothing unread must write nothing at all.
"""
import re

from messaging.extensions import db
from messaging.models import ConversationType
from tests.conftest import uses_postgres
from tests.factories import start
from tests.web.page_support import HTMX

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)", re.IGNORECASE)


def measured(count_queries, call, status=200):
    db.session.remove()
    with count_queries() as counter:
        response = call()
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return counter


def writes(counter) -> list[str]:
    return [statement for statement in counter.statements if WRITE.match(statement)]


def apart(counter, table: str) -> tuple[list[str], list[str]]:
    """(statements on ``table``, the others): what another feature adds, counted on its own."""
    on_table = [statement for statement in counter.statements if table in statement]
    return on_table, [statement for statement in counter.statements if table not in statement]


def test_badge_fragment_costs_one_statement(vendor_client, threads, count_queries):
    """The sign-in check reads the unread total with it (messaging/request_unread_total.py)."""
    counter = measured(count_queries, lambda: vendor_client.get("/vendor/messages/unread-badge", headers=HTMX))
    assert counter.count == 1, counter.statements


def test_api_unread_count_costs_one_statement(caller, marketplace, threads, count_queries):
    api = caller(marketplace.staff_a)
    counter = measured(count_queries, lambda: api.get("/unread-count"))
    assert counter.count == 1, counter.statements


def test_thread_fragment_with_nothing_unread_writes_nothing(vendor_client, threads, count_queries):
    url = f"/vendor/messages/{threads['vendor_customer'].id}"
    vendor_client.get(url, headers=HTMX)  # the staff member wrote it: nothing unread for them; warms up
    counter = measured(count_queries, lambda: vendor_client.get(url, headers=HTMX))
    assert writes(counter) == []
    # The conversation as the caller may see it with its participants, the sign-in check riding on it
    # (messaging/carried_checks.py); its page of messages (apart, so that the conversation's columns
    # do not come back beside every message: assembly.py).
    assert counter.count <= 2, counter.statements


def test_opening_an_unread_thread_marks_it_read_with_one_write(customer_client, threads, count_queries):
    customer_client.get(f"/shop/account/messages/{threads['admin_customer'].id}", headers=HTMX)  # a first page warms up
    url = f"/shop/account/messages/{threads['vendor_customer'].id}"
    counter = measured(count_queries, lambda: customer_client.get(url, headers=HTMX))
    # The read event for the reader's other tabs (live delivery) is one row more.
    live_events, own = apart(counter, "live_events")
    assert len(live_events) <= 1, live_events
    assert len([statement for statement in own if WRITE.match(statement)]) == 1, counter.statements
    # The conversation with the sign-in check, its page (read before the mark: marking read changes no
    # message), the mark.
    assert len(own) <= 3, counter.statements


def test_api_send_costs_five_statements_with_its_emails_and_live_events(
        app, caller, marketplace, threads, count_queries):
    """Signing in; the conversation's counters, guarded by the caller's scope (nothing is read
    first); the message; the others' unread counts, which marks it for their email in the same
    UPDATE (the worker queues it: messaging/notifications/outbox.py); its live events, one row per
    audience in one INSERT, who may hear of it taken from what the UPDATEs returned. Nothing is read
    back. On PostgreSQL all four writes are one statement, a transaction of its own (no BEGIN, no
    COMMIT), so two: tests/test_sending_path.py.
    (On SQLite one send in SEARCH_INDEX_BATCH also indexes the batch: tests/test_search_backlog.py.)"""
    app.config["SEARCH_INDEX_BATCH"] = 1_000_000
    api = caller(marketplace.customer_a)
    url = f"/{threads['vendor_customer'].id}/messages"
    counter = measured(count_queries, lambda: api.post(url, json={"content": "thanks"}), status=201)
    assert counter.count <= 5, counter.statements
    if uses_postgres():  # the counters, the message, the unread counts and the live events in one statement
        assert counter.count <= 2, counter.statements
    assert not [statement for statement in counter.statements if "notification_outbox" in statement]
    [live_events] = [statement for statement in counter.statements if "INSERT INTO live_events" in statement]
    [unread] = [statement for statement in counter.statements if "unread_count + " in statement]
    assert "email_pending_since" in unread


def test_a_team_members_first_answer_joins_the_conversation_with_one_insert(app, caller, marketplace, threads,
                                                                           count_queries):
    """staff_a2 has not taken part yet: the guarded UPDATE says so, and one INSERT makes them a participant."""
    app.config["SEARCH_INDEX_BATCH"] = 1_000_000
    api = caller(marketplace.staff_a2)
    url = f"/{threads['vendor_customer'].id}/messages"
    counter = measured(count_queries, lambda: api.post(url, json={"content": "I can help"}), status=201)
    assert counter.count <= 6, counter.statements
    assert len([statement for statement in counter.statements
                if "INSERT INTO conversation_participants" in statement]) == 1


def test_inbox_first_page_costs_one_statement(vendor_client, service, marketplace, threads, count_queries):
    """The page, its total and the sign-in check (messaging/carried_checks.py) in one statement."""
    for number in range(25):
        start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a2, f"Order {number}")
    counter = measured(count_queries, lambda: vendor_client.get("/vendor/messages", headers=HTMX))
    assert counter.count == 1, counter.statements


def test_htmx_reply_costs_what_the_api_send_costs(app, customer_client, threads, count_queries):
    """A reply from the page answers with a fresh reply form: the form needs only the conversation's
    id, which the request names, so nothing is read after the send."""
    app.config["SEARCH_INDEX_BATCH"] = 1_000_000
    thread = f"/shop/account/messages/{threads['vendor_customer'].id}"
    customer_client.get(thread)  # the form's size hint is read once per DISPLAY_MAX_AGE_SECONDS: warmed up here
    counter = measured(count_queries, lambda: customer_client.post(f"{thread}/messages", data={"content": "thanks"}, headers=HTMX))
    # Signing in, the counters, the message, the others' unread counts (and email marks), the live events.
    assert counter.count <= 5, counter.statements
