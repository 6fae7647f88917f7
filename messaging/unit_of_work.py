"""One unit of work per request and per CLI command: services add and flush, the caller commits once.

A request answered below 400 commits everything it wrote in one transaction (a message, its
idempotency record, its outbox rows); any other answer, or an exception, rolls all of it back.
CLI commands wrap their work in :func:`committed`.

Work that must wait until the data is really committed (publishing a live event, say) is
registered with :func:`after_commit`: a rolled-back transaction never runs it. Work that undoes
something outside the database (removing files written for the transaction) is registered
with :func:`after_rollback`: a committed transaction never runs it. Both run once the outermost
transaction has ended, not when a savepoint inside it is released: the savepoint's writes are
committed only with the rest.

After-commit work runs once the transaction's connection is back in the pool, still within the
commit call. Work that needs a connection of its own (indexing search's backlog) then takes one
rather than holding a second: with a pool of two and four threads sending at once, two sends
had each held their own while waiting for another, until the pool's timeout (30 s) answered 503.

A view whose writes are done before it reads back and renders its answer commits them at that
point with :func:`commit_writes`, so that reading and rendering hold no lock. A view whose last
write is a single statement (a send of text alone) may go further with
:func:`committing_at_once`: on PostgreSQL that statement is then a transaction of its own.
"""
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, SessionTransaction

from messaging import read_connection
from messaging.extensions import db

_ON_COMMIT = "unit_of_work.after_commit"
_ON_ROLLBACK = "unit_of_work.after_rollback"
# The after-commit work of a transaction that has committed, run when it has ended (_ended).
_COMMITTED = "unit_of_work.committed"
_COMMITTING_AT_ONCE = "_unit_of_work_committing_at_once"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has committed; never if it rolls back."""
    session.info.setdefault(_ON_COMMIT, []).append(callback)


def run_follow_up(callback: Callable[[], None]) -> None:
    """Run ``callback``, work that follows data already committed (a statement that committed
    itself, messaging/read_connection.py, or a transaction at its end)."""
    try:
        callback()
    except Exception:  # the data is committed: a failed follow-up must not turn it into an error
        current_app.logger.exception("An after-commit task failed")


def after_rollback(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` if the current transaction ends without committing."""
    session.info.setdefault(_ON_ROLLBACK, []).append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # SQLAlchemy says so for a released savepoint too; the outer transaction may still roll back.
    if session.in_nested_transaction():
        return
    session.info.pop(_ON_ROLLBACK, None)
    session.info[_COMMITTED] = session.info.pop(_ON_COMMIT, [])


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outer transaction decides
    for callback in session.info.pop(_COMMITTED, []):
        run_follow_up(callback)
    # After a commit the rollback tasks are already gone; what is left means nothing was committed.
    session.info.pop(_ON_COMMIT, None)
    for callback in session.info.pop(_ON_ROLLBACK, []):
        callback()


@contextmanager
def committed() -> Iterator[None]:
    """The CLI's unit of work: commit what the block wrote, or roll it all back."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def counts_as_write(statement: str) -> bool:
    """Anything but a plain SELECT (fail-safe: a WITH or a PRAGMA may write too)."""
    return not statement.lstrip()[:6].upper().startswith("SELECT")


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection, _cursor, statement: str, *_) -> None:
    # Except on a connection that commits each statement itself: nothing is left for the commit.
    if has_app_context() and counts_as_write(statement) and not read_connection.commits_alone(connection):
        g._unit_of_work_wrote = True


@contextmanager
def committing_at_once() -> Iterator[None]:
    """For a view whose last write is in the block and which commits right after it: a statement
    that can be a transaction of its own (:func:`connection_committing_alone`) commits as it returns.

    On PostgreSQL a send is then one round trip with nothing before or after it (no BEGIN, no
    COMMIT), and the conversation's row is locked only while the database runs the statement, not
    while the worker's threads take turns to send the next one."""
    setattr(g, _COMMITTING_AT_ONCE, True)
    try:
        yield
    finally:
        g.pop(_COMMITTING_AT_ONCE, None)


def connection_committing_alone(session: Session) -> Connection | None:
    """Where a write statement that is all its transaction needs commits by itself: inside
    :func:`committing_at_once`, while the request has begun no transaction, on PostgreSQL. None
    otherwise: the statement runs in the Session's transaction like any other."""
    if not (has_app_context() and g.get(_COMMITTING_AT_ONCE)):
        return None
    return read_connection.autocommit_connection(session)


def commit_writes() -> None:
    """Commit what the request has written so far, before it reads and renders its answer.

    The request's writes are done; what follows only shows them. Committed now, the transaction
    ends before that work rather than after it: SQLite's one writer's turn
    (:mod:`messaging.sqlite_write_lock`) and PostgreSQL's row locks on the conversation no longer
    keep every other sender waiting while a thread is read back and its fragment rendered. A
    failed commit raises here, and the request answers that error as it would at its end.
    """
    if db.session.registry.has() and _has_work_to_commit(db.session):
        db.session.commit()
        g._unit_of_work_wrote = False


def _has_work_to_commit(session: Session) -> bool:
    """A request that only read has nothing to commit. Most requests are such reads (every badge
    poll), and a commit (flush, commit hooks, expiring what was loaded) costs more than the poll's query."""
    return (
        g.get("_unit_of_work_wrote", False)
        or bool(session.new or session.dirty or session.deleted)
        or bool(session.info.get(_ON_COMMIT))
    )


def init_app(app: Flask) -> None:
    read_connection.init_app(app)

    @app.after_request
    def finish_unit_of_work(response: Response) -> Response:
        try:
            return _finish(response)
        finally:
            # After the Session's commit or rollback: where both share one connection (an in-memory
            # SQLite database), giving the read connection back resets it.
            read_connection.release()

    def _finish(response: Response) -> Response:
        if not db.session.registry.has():
            return response  # the request read through its read connection only: no Session to end
        if response.status_code >= 400:
            db.session.rollback()
            return response
        if not _has_work_to_commit(db.session):
            # Ends the read transaction and gives the connection back, as a commit would (a
            # streamed answer keeps the request's session long after this), at less cost.
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            # The answer was about to say it worked: answer the failure instead, as any error is.
            return app.make_response(app.handle_user_exception(error))
        return response
