"""On SQLite, the search index no longer merges its segments a little at every write, inside each
send's turn, but when 16 have piled up (services/search.py, AUTOMERGE). PostgreSQL: nothing changes.

Revision ID: 0013_search_merges
Revises: 0012_participant_vendor
Create Date: 2026-11-27

"""
from alembic import op

revision = '0013_search_merges'
down_revision = '0012_participant_vendor'
branch_labels = None
depends_on = None

from messaging.services.search import AUTOMERGE, FTS5_DEFAULT_AUTOMERGE, FTS_INDEXES  # noqa: E402


def _set_automerge(value: int) -> None:
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for index in FTS_INDEXES:
        connection.exec_driver_sql(f"INSERT INTO {index} ({index}, rank) VALUES ('automerge', {value})")


def upgrade():
    _set_automerge(AUTOMERGE)


def downgrade():
    _set_automerge(FTS5_DEFAULT_AUTOMERGE)
