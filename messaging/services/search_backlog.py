"""SQLite's search backlog: messages sent but not yet in the index, indexed a batch at a time.

A send on SQLite writes its message and leaves it to the index's backlog
(messaging/services/search.py, "the backlog"). The send of every ``SEARCH_INDEX_BATCH``-th
message (by id: SQLite numbers messages one after the other) indexes the backlog once its own
transaction has committed, in a short transaction of its own, before it answers: one new FTS5
segment for the batch instead of one per send, and no other send's turn holds any of it. Search
reads what is not yet indexed from the messages themselves, so a message is found the moment it
is sent.

Not a thread: a thread of a worker process holding the writers' turn while it waited for
Python's interpreter lock held that turn three times as long as it worked, and sends got no
faster (bench/README.md).
"""
from flask import current_app
from sqlalchemy.orm import Session

from messaging.extensions import db
from messaging.services import search
from messaging.unit_of_work import after_commit


def index_after_commit(session: Session, message_id: int) -> None:
    """After the message ``message_id`` is written: index the backlog once it commits, if its turn has come."""
    batch = max(1, current_app.config["SEARCH_INDEX_BATCH"])  # 0 or less: every message, as 1
    if message_id % batch == 0 and session.get_bind().dialect.name == "sqlite":
        after_commit(session, lambda: index_backlog(through=message_id))


def index_backlog(through: int) -> None:
    """Every message of the backlog up to ``through`` into the index, in one transaction."""
    with db.engine.begin() as connection:
        search.index_backlog(connection, through)
