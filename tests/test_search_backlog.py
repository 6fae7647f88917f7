"""On SQLite, sends leave their messages to search's backlog, indexed a batch at a time
(messaging/services/search_backlog.py): a message is found the moment it is sent, indexed or not,
and the batches fill the chunks as the sends themselves would have, give or take a batch.

These tests make their own SQLite database, whatever TEST_DATABASE_URL says: PostgreSQL has no backlog."""
import threading

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text, update

from messaging import create_app
from messaging.extensions import db
from messaging.models import ConversationType, Vendor
from messaging.services import messaging_service
from messaging.services.conversations import ListFilters
from messaging.services.platform_settings import ensure_default_settings
from messaging.services.search import CHUNK_IDS, CHUNK_MESSAGES
from messaging.services.search_backlog import index_backlog
from tests.factories import build_marketplace, start

# Batches no test reaches: what is sent stays in the backlog.
NOT_DURING_THE_TEST = 100_000


def make_app(tmp_path, batch: int, engine_options: dict | None = None):
    return create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'backlog.sqlite3'}",
        "ATTACHMENT_ROOT": str(tmp_path / "uploads"), "SEARCH_INDEX_BATCH": batch,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options or {}})


@pytest.fixture
def batch():
    return NOT_DURING_THE_TEST


@pytest.fixture
def engine_options():
    return {}


@pytest.fixture
def app(tmp_path, batch, engine_options):  # the conftest's service and marketplace use this one
    app = make_app(tmp_path, batch, engine_options)
    with app.app_context():
        db.create_all()
        ensure_default_settings()
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def found(service, principal, search: str) -> list[str]:
    return sorted(c.subject for c in service.list_conversations(principal, ListFilters(search=search)).items)


def backlog() -> int:
    return db.session.scalar(text(
        "SELECT count(*) FROM messages WHERE id > (SELECT indexed_through FROM search_progress)"))


def index_it_now() -> None:
    last = db.session.scalar(text("SELECT max(id) FROM messages"))
    for through in range(7, last + 7, 7):  # several batches, so they meet mid-chunk
        index_backlog(through=min(through, last))


def chunks() -> list[tuple]:
    return db.session.execute(text(
        "SELECT chunk_id, message_count, several FROM conversation_search ORDER BY chunk_id")).all()


def test_messages_in_the_backlog_are_found_as_indexed_ones_are(app, service, marketplace):
    m = marketplace
    refit = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Kitchen refit",
                  text="The walnut worktop is on its way")
    service.send_message(m.customer_a, refit.id, "The marble sink arrived cracked, café stains too")
    start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Short one", text="walnut shelf")
    start(service, m.staff_b, ConversationType.VENDOR_CUSTOMER, m.customer_b, "Elsewhere", text="marble walnut")
    assert backlog() == 4

    def searches() -> dict[str, list[str]]:
        return {words: found(service, m.staff_a, words) for words in (
            "marble", "MARB", "walnut marble", "refit cracked", "cafe", "walnut", "walnut shelf",
            "walnut granite", "cora marble", "c")}

    expected = {
        "marble": ["Kitchen refit"], "MARB": ["Kitchen refit"],              # a word, by prefix, any case
        "walnut marble": ["Kitchen refit"],                                   # two messages of the backlog
        "refit cracked": ["Kitchen refit"],                                   # the index (subject) and the backlog
        "cafe": ["Kitchen refit"],                                            # accents aside
        "walnut": ["Kitchen refit", "Short one"], "walnut shelf": ["Short one"], "walnut granite": [],
        "cora marble": ["Kitchen refit"],                                     # a participant's name
        "c": [],                                                              # one character: whole words only
    }
    assert searches() == expected
    assert found(service, m.staff_b, "walnut marble") == ["Elsewhere"]      # each in their own scope

    index_it_now()
    assert backlog() == 0
    assert searches() == expected
    assert db.session.scalar(text("SELECT count(*) FROM conversation_fts WHERE conversation_fts MATCH 'marble'")) == 2


def test_batches_fill_chunks_as_sends_would_give_or_take_a_batch(app, service, marketplace):
    m = marketplace
    long = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Long one", text="first")
    for number in range(2, 3 * CHUNK_MESSAGES + 3):
        service.send_message(m.customer_a if number % 2 else m.staff_a, long.id, f"Update {number} on the delivery")
    service.send_message(m.staff_a2, long.id, "Sven here")  # joins: rebuilds from what is indexed
    index_it_now()
    # Batches of 7 add to the last chunk until it holds 32: 35, then a new chunk.
    assert chunks() == [(long.id * CHUNK_IDS, 35, 1), (long.id * CHUNK_IDS + 1, 35, 1), (long.id * CHUNK_IDS + 2, 29, 1)]
    assert found(service, m.staff_a, "first sven update 98") == ["Long one"]
    # A rename rebuilds every chunk from the messages, 32 a chunk; the same words are found.
    db.session.execute(update(Vendor).where(Vendor.id == m.vendor_a.id).values(name="Renamed Grocer"))
    db.session.commit()
    assert [count for _, count, _ in chunks()] == [CHUNK_MESSAGES, CHUNK_MESSAGES, CHUNK_MESSAGES, 3]
    assert found(service, m.staff_a, "first sven update 98 grocer") == ["Long one"]


@pytest.mark.parametrize("batch", [3])
def test_every_batchs_last_send_indexes_the_backlog_once_it_has_committed(app, service, marketplace):
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Soon", text="zeppelin")
    service.send_message(m.customer_a, thread.id, "landing")
    assert backlog() == 2
    service.send_message(m.customer_a, thread.id, "at noon")  # message 3
    assert backlog() == 0
    assert db.session.scalar(text("SELECT count(*) FROM conversation_fts WHERE conversation_fts MATCH 'zeppelin'")) == 1
    service.send_message(m.customer_a, thread.id, "delayed")
    assert backlog() == 1


@pytest.mark.parametrize("batch", [3])
def test_a_send_that_fails_indexes_nothing(app, service, marketplace):
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Soon", text="zeppelin")
    service.send_message(m.customer_a, thread.id, "landing")
    messaging_service().send_message(m.customer_a, thread.id, "at noon")  # message 3, never committed
    db.session.rollback()
    assert backlog() == 2
    assert db.session.scalar(text("SELECT count(*) FROM conversation_fts WHERE conversation_fts MATCH 'zeppelin'")) == 0


@pytest.mark.parametrize("batch", [1])
@pytest.mark.parametrize("engine_options", [{"pool_size": 1, "max_overflow": 0, "pool_timeout": 2}])
def test_a_send_indexes_the_backlog_on_a_pool_of_one_connection(app, service, marketplace, caplog):
    # The indexing takes a connection of its own once the send's transaction has given its back;
    # holding on to it, the indexing waited for the pool's timeout and the message stayed unindexed.
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Soon", text="zeppelin")
    service.send_message(m.customer_a, thread.id, "landing at noon")
    assert backlog() == 0
    assert db.session.scalar(text("SELECT count(*) FROM conversation_fts WHERE conversation_fts MATCH 'noon'")) == 1
    assert "after-commit task failed" not in caplog.text


@pytest.mark.parametrize("batch", [1])
@pytest.mark.parametrize("engine_options", [{"pool_size": 2, "max_overflow": 0, "pool_timeout": 5}])
def test_four_threads_send_at_once_on_a_pool_of_two_connections(app, service, marketplace, caplog):
    # Each send holding its connection while its indexing waited for another, two sends took the
    # pool and waited for each other; the two waiting to begin timed out (answered 503).
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Busy", text="first")
    db.session.remove()
    all_ready = threading.Barrier(4)
    failures = []

    def send(number: int) -> None:
        with app.app_context():
            try:
                all_ready.wait()
                messaging_service().send_message(m.customer_a, thread.id, f"Reply number {number}")
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (the test reports every failure)
                failures.append(repr(error))
            finally:
                db.session.remove()

    senders = [threading.Thread(target=send, args=(number,)) for number in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert failures == []
    assert backlog() == 0
    assert db.session.scalar(text("SELECT count(*) FROM conversation_fts WHERE conversation_fts MATCH 'reply'")) == 1
    assert "after-commit task failed" not in caplog.text


def test_migration_0014_indexes_the_backlog_on_the_way_down(tmp_path):
    app = make_app(tmp_path, NOT_DURING_THE_TEST)
    with app.app_context():
        upgrade()
        m = build_marketplace()
        service = messaging_service()
        thread = start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_a, "Waiting", text="zeppelin")
        db.session.commit()
        assert backlog() == 1
        db.session.remove()

        def matches(word: str) -> int:
            return db.session.scalar(text(f"SELECT count(*) FROM conversation_fts WHERE conversation_fts MATCH '{word}'"))

        downgrade(revision="0013_search_merges")
        assert matches("zeppelin") == 1                      # the backlog went into the index
        db.session.remove()
        db.session.execute(text("INSERT INTO messages (conversation_id, sender_type, sender_id, content, "
                                "is_system_message, created_at) VALUES (:c, 'admin', :a, 'airship', 0, '2026-01-01')"),
                           {"c": thread.id, "a": m.admin.id})
        db.session.commit()
        assert matches("airship") == 1                       # and each insert indexes itself again
        db.session.remove()

        upgrade()
        assert backlog() == 0 and matches("airship") == 1
        db.session.remove()
        db.engine.dispose()
