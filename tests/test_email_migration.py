"""Migration 0006 (the notification outbox) upgrades and downgrades cleanly on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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
