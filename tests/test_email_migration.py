"""Migration 0006 (the notification outbox) upgrades and downgrades cleanly on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from messaging import create_app
from messaging.extensions import db
from messaging.services.search import include_in_autogenerate
from tests.postgres_databases import empty_database

EMAIL_TABLES = {"notification_outbox", "notification_preferences", "inbound_emails"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with empty_database(request.param, "email_migration_test", tmp_path) as url:
        yield url


def test_outbox_migration_round_trip(database_url, tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url, "ATTACHMENT_ROOT": str(tmp_path)})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "render_as_batch": True, "include_name": include_in_autogenerate})
            assert compare_metadata(context, db.metadata) == []
        assert EMAIL_TABLES <= set(inspect(db.engine).get_table_names())
        db.session.remove()

        downgrade(revision="0005_session_versions")
        tables = set(inspect(db.engine).get_table_names())
        assert not EMAIL_TABLES & tables and "messages" in tables

        upgrade()
        assert EMAIL_TABLES <= set(inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()


def test_email_marks_migration_queues_the_marks_it_drops(database_url, tmp_path):
    """Migration 0015: going back to the outbox alone queues every mark not yet queued, joining an
    email that waits, so no email is lost either way."""
    from sqlalchemy import select

    from messaging.models import ConversationType
    from messaging.models.notifications import NotificationOutbox
    from messaging.notifications.delivery import queue_marked
    from messaging.services import messaging_service
    from tests.factories import build_marketplace, start

    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url, "ATTACHMENT_ROOT": str(tmp_path),
                                           "NOTIFY_DELAY": 300})
    with app.app_context():
        upgrade()
        marketplace = build_marketplace()
        service = messaging_service()
        waiting = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a)
        db.session.commit()
        queue_marked()  # the first message waits in the outbox; the second is only marked
        service.send_message(marketplace.staff_a, waiting.id, "Second")
        marked = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a2)
        db.session.commit()
        db.session.remove()

        downgrade(revision="0014_search_backlog")
        rows = db.session.execute(text("SELECT conversation_id, status, message_count FROM notification_outbox "
                                       "ORDER BY conversation_id")).all()
        assert [tuple(row) for row in rows] == [(waiting.id, "pending", 2), (marked.id, "pending", 1)]
        db.session.remove()

        upgrade()
        assert len(db.session.scalars(select(NotificationOutbox)).all()) == 2
        db.session.remove()
        db.engine.dispose()
