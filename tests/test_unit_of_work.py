"""Work waiting on a unit of work's end waits for the outermost transaction: a savepoint released
inside it (saving a notification preference does so) commits nothing yet."""
from sqlalchemy import text

from messaging.extensions import db
from messaging.unit_of_work import after_commit, after_rollback


def test_after_commit_work_waits_for_the_outer_commit_not_a_released_savepoint(app):
    published = []
    db.session.execute(text("SELECT 1"))
    after_commit(db.session, lambda: published.append("message-posted"))
    with db.session.begin_nested():
        db.session.execute(text("SELECT 1"))
    assert published == []  # a live event for data that may yet roll back would mislead every tab
    db.session.commit()
    assert published == ["message-posted"]


def test_files_of_a_unit_of_work_that_rolls_back_after_a_savepoint_are_still_removed(app):
    removed, published = [], []
    db.session.execute(text("SELECT 1"))
    after_rollback(db.session, lambda: removed.append("upload.pdf"))
    after_commit(db.session, lambda: published.append("message-posted"))
    with db.session.begin_nested():
        db.session.execute(text("SELECT 1"))
    db.session.rollback()
    assert removed == ["upload.pdf"]
    assert published == []
