"""On a SQLite database file, a thread checkpoints the write-ahead log outside the writers' turns:
a commit no longer copies the log into the database file itself, and the file still receives
what was written, without anyone writing again."""
import os
import time

import pytest
from sqlalchemy import text

from messaging import create_app
from messaging.extensions import db
from messaging.sqlite_checkpoints import FALLBACK_PAGES

PAGE = 4096
# Past SQLite's own checkpoint threshold (1,000 pages) in one commit.
ROWS = 1_500


@pytest.fixture
def file_app(tmp_path):
    def make(checkpoint_seconds: float):
        app = create_app("testing", overrides={
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'checkpoints.sqlite3'}",
            "SQLITE_CHECKPOINT_SECONDS": checkpoint_seconds,
        })
        made.append(app)
        with app.app_context():
            db.session.execute(text("CREATE TABLE padding (data BLOB)"))
            db.session.commit()
        return app

    made = []
    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def database_file_size(app) -> int:
    with app.app_context():
        return os.path.getsize(db.engine.url.database)


def write_a_commit_past_the_threshold(app) -> None:
    with app.app_context():
        db.session.execute(text("INSERT INTO padding (data) VALUES (randomblob(:size))"),
                           [{"size": PAGE}] * ROWS)
        db.session.commit()


def test_without_the_thread_the_commit_itself_checkpoints(file_app):
    app = file_app(checkpoint_seconds=0)
    before = database_file_size(app)
    write_a_commit_past_the_threshold(app)
    assert database_file_size(app) - before >= ROWS * PAGE


def test_with_the_thread_the_commit_leaves_the_log_to_it(file_app):
    app = file_app(checkpoint_seconds=60)  # a thread that will not come round during this test
    before = database_file_size(app)
    write_a_commit_past_the_threshold(app)
    assert database_file_size(app) - before < ROWS * PAGE // 10


def test_the_thread_brings_the_log_into_the_database_file(file_app):
    app = file_app(checkpoint_seconds=0.02)
    with app.app_context():
        # So what reaches the file below is the thread's doing, not the commit's.
        assert db.session.scalar(text("PRAGMA wal_autocheckpoint")) == FALLBACK_PAGES > ROWS
    before = database_file_size(app)
    write_a_commit_past_the_threshold(app)
    deadline = time.monotonic() + 5
    while database_file_size(app) - before < ROWS * PAGE and time.monotonic() < deadline:
        time.sleep(0.02)
    assert database_file_size(app) - before >= ROWS * PAGE
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM padding")) == ROWS
