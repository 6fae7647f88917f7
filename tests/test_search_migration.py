"""Migration 0011 (search in chunks on SQLite; nothing on PostgreSQL) carries the existing conversations
over, both ways, on both databases."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from messaging import create_app
from messaging.extensions import db
from messaging.models import ConversationType
from messaging.services import messaging_service
from messaging.services.conversations import ListFilters
from messaging.services.platform_settings import ensure_default_settings
from messaging.services.search import CHUNK_MESSAGES
from tests.factories import build_marketplace, start
from tests.postgres_databases import empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with empty_database(request.param, "search_migration_test", tmp_path) as url:
        yield url


def found(marketplace, search: str) -> list[str]:
    listing = messaging_service().list_conversations(marketplace.staff_a, ListFilters(search=search))
    return [conversation.subject for conversation in listing.items]


def test_existing_conversations_are_found_after_the_downgrade_and_after_the_upgrade(database_url, tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url, "ATTACHMENT_ROOT": str(tmp_path)})
    sqlite = database_url.startswith("sqlite")

    def documents() -> int:
        with db.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM conversation_search")).scalar()

    with app.app_context():
        # The conversations are written by today's code, on today's schema; the index is then taken
        # back to one document per conversation (0010) and brought forward again, data and all.
        upgrade()
        ensure_default_settings()
        m = build_marketplace()
        service = messaging_service()
        long = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Kitchen refit",
                     text="The walnut worktop is on its way")
        for number in range(2 * CHUNK_MESSAGES):
            service.send_message(m.staff_a, long.id, f"Update {number}")
        service.send_message(m.customer_a, long.id, "The marble sink arrived cracked")
        db.session.commit()
        db.session.remove()

        downgrade(revision="0010_search_case_context")
        assert documents() == 1  # one document per conversation
        db.session.remove()

        upgrade()
        assert documents() >= 3 if sqlite else documents() == 1  # SQLite: the long conversation alone holds three chunks
        assert found(m, "walnut marble") == ["Kitchen refit"]
        db.session.remove()
        db.engine.dispose()


def test_postgres_documents_keep_words_without_positions_both_ways(tmp_path):
    """Migration 0016 (PostgreSQL): a document keeps each word once, so a message's append does not
    grow it with every repetition; the downgrade builds the documents again with their positions.
    Either way the same searches find the same conversations."""
    with empty_database("postgresql", "search_words_only_test", tmp_path) as url:
        app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url, "ATTACHMENT_ROOT": str(tmp_path)})

        def document() -> str:
            with db.engine.connect() as connection:
                return connection.execute(text("SELECT document::text FROM conversation_search")).scalar()

        with app.app_context():
            upgrade()
            ensure_default_settings()
            m = build_marketplace()
            service = messaging_service()
            thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Walnut worktop",
                           text="parcel parcel parcel")
            db.session.commit()
            before = document()
            service.send_message(m.customer_a, thread.id, "parcel parcel")
            db.session.commit()
            assert document() == before and "'parcel'" in before and "'parcel':" not in before
            assert found(m, "walnut parc") == ["Walnut worktop"]
            db.session.remove()

            downgrade(revision="0015_email_marks")
            assert "'parcel':" in document()  # with its five positions again
            assert found(m, "walnut parc") == ["Walnut worktop"]
            db.session.remove()

            upgrade()
            assert "'parcel':" not in document()
            assert found(m, "walnut parc") == ["Walnut worktop"]
            db.session.remove()
            db.engine.dispose()
