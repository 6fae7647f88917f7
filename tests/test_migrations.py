"""The schema built by the Alembic migrations is the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from messaging import create_app
from messaging.extensions import db
from messaging.models import PlatformSetting
from messaging.services.search import AUTOMERGE, FTS5_DEFAULT_AUTOMERGE, FTS_INDEXES, include_in_autogenerate
from tests.postgres_databases import empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with empty_database(request.param, "messaging_migrations_test", tmp_path) as url:
        yield url


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "render_as_batch": True,
            # The full-text search tables belong to migration 0007, not to the models.
            "include_name": include_in_autogenerate})
        return compare_metadata(context, db.metadata)


def test_upgrade_matches_models_and_downgrade_removes_everything(database_url, tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url, "ATTACHMENT_ROOT": str(tmp_path)})
    with app.app_context():
        upgrade()
        assert schema_differences() == []
        setting = db.session.scalar(select(PlatformSetting).where(PlatformSetting.key == "message_attachment_max_size_mb"))
        assert (setting.value, setting.category) == ("10", "messaging")
        db.session.remove()

        downgrade(revision="0001_platform")  # the messaging migration alone rolls back
        tables = set(inspect(db.engine).get_table_names())
        assert "conversations" not in tables and "messages" not in tables and "users" in tables

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade()
        assert schema_differences() == []
        db.session.remove()
        db.engine.dispose()


def automerge_settings() -> list[int]:
    with db.engine.connect() as connection:
        return [int(connection.exec_driver_sql(f"SELECT v FROM {index}_config WHERE k = 'automerge'").scalar())
                for index in FTS_INDEXES]


def test_the_search_index_merges_only_when_segments_pile_up_both_ways(tmp_path):
    """Migration 0013 (SQLite): off and back to FTS5's default; the index answers either way."""
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'merges.sqlite3'}",
                                           "ATTACHMENT_ROOT": str(tmp_path)})
    with app.app_context():
        upgrade()
        assert automerge_settings() == [AUTOMERGE, AUTOMERGE]
        downgrade(revision="0012_participant_vendor")
        assert automerge_settings() == [FTS5_DEFAULT_AUTOMERGE, FTS5_DEFAULT_AUTOMERGE]
        upgrade()
        assert automerge_settings() == [AUTOMERGE, AUTOMERGE]
        db.engine.dispose()
