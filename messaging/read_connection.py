"""The connection a request reads through until it writes; one that comes to write reads where it writes.

Most requests only read: every badge poll, every inbox page, a thread with nothing unread.
They need no transaction of their own. On SQLite the driver begins none for a SELECT, so each
read sees the latest commit either way; PostgreSQL's READ COMMITTED gives each statement a
snapshot of its own either way. Read through the ORM Session, a request still paid for one:
the Session, its transaction, a BEGIN and a ROLLBACK (two round trips on PostgreSQL), and the
pool's reset. On SQLite that was 70 µs per request, about three times what the badge's two
statements cost.

So the prepared statements (:mod:`messaging.prepared_statements`) of a request read through a
plain pooled connection, which on PostgreSQL is in autocommit. Once the request's Session has
begun a transaction (a write, or any ORM query), they run in that transaction instead, so
they see what the request has written. Writes always go through the Session, which
:mod:`messaging.unit_of_work` commits or rolls back.

A request that comes to write (any method but GET, HEAD and OPTIONS: a send, a reply, a close)
reads through the Session's connection from its first statement: one connection per request,
not two. And the pool hands out the connection given back last (``pool_use_lifo``, see
:func:`engine_options`), so consecutive requests of a thread get the same one. Both matter on
SQLite: a connection that finds the database changed by any other connection since it last
read drops its whole page cache first, which cost the first read of a send 110–160 µs where
it cost 20–30 on the connection that had written last (``SELECT`` of the sign-in check,
in-process; 27 against 136 µs median), besides the second pool checkout (in-process, 1,000
sends alternated in batches: 2,358 against 2,888 µs per send).

On PostgreSQL the read connection comes from the ``planned_once`` engine, whose connections
plan each prepared statement once (:mod:`messaging.planned_once`).

Outside a request (the CLI, the email workers) every statement runs in the Session, as before.

Once the Session has begun its transaction, its connection is kept in ``Session.info`` until the
transaction ends, so the statements after the first write find it at once. Asked of the Session
each time (the scoped registry, Flask-SQLAlchemy's bind lookup, the transaction's state checks),
it cost a send about 35 µs in all, inside SQLite's one writer's turn
(:mod:`messaging.sqlite_write_lock`), where every other writer waits (742 → 700 µs in-process).
"""
from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from messaging import sqlite_write_lock
from messaging.extensions import db
from messaging.planned_once import PLANNED_ONCE_BIND, READ_ONLY_METHODS

_HELD = "_read_connection"
# Session.info key of the connection its current transaction runs on.
_TRANSACTION_CONNECTION = "_transaction_connection"


def connection_for(session: Session | scoped_session, writes: bool) -> Connection:
    """The Core connection a statement runs on: the Session's, unless the request is one that only
    reads (by its method) and has only read so far."""
    if writes or not has_request_context() or request.method not in READ_ONLY_METHODS or _in_transaction(session):
        return _transaction_connection(session)
    held = g.get(_HELD)
    if held is None:
        held = db.engines.get(PLANNED_ONCE_BIND, db.engine).connect()
        if held.dialect.name == "postgresql":
            # No BEGIN before and no ROLLBACK after the reads; the pool restores the
            # connection's isolation when it takes it back. (SQLite needs nothing: its driver
            # begins a transaction for writes only, and only the Session writes.)
            held = held.execution_options(isolation_level="AUTOCOMMIT")
        setattr(g, _HELD, held)
    return held


def _transaction_connection(session: Session | scoped_session) -> Connection:
    """The connection of the Session's transaction (beginning one if need be)."""
    if isinstance(session, scoped_session):
        session = session.registry()
    return session.info.get(_TRANSACTION_CONNECTION) or session.connection()


@event.listens_for(Session, "after_begin")
def _remember_transaction_connection(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    # Called again for each SAVEPOINT, on the same connection. A Session on several databases (none
    # here) is asked each time: which connection a statement needs is its bind's.
    known = session.info.get(_TRANSACTION_CONNECTION, connection)
    session.info[_TRANSACTION_CONNECTION] = connection if known is connection else None


@event.listens_for(Session, "after_transaction_end")
def _forget_transaction_connection(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TRANSACTION_CONNECTION, None)


def _in_transaction(session: Session | scoped_session) -> bool:
    # A request that has not touched the Session has none yet, and need not make one to find out.
    if isinstance(session, scoped_session):
        if not session.registry.has():
            return False
        session = session()
    return session.in_transaction()


def release() -> None:
    """Give the request's read connection back to the pool (nothing to commit: it only read)."""
    held = g.pop(_HELD, None)
    if held is not None:
        held.close()


def engine_options(database_uri: str, options: dict) -> dict:
    """``options`` (SQLALCHEMY_ENGINE_OPTIONS) with a pool that hands out the connection given back
    last, where the pool keeps several: a server's database or a SQLite database file, not an
    in-memory SQLite database (one shared connection)."""
    one_shared_connection = (make_url(database_uri).get_backend_name() == "sqlite"
                             and sqlite_write_lock.database_file(database_uri) is None)
    if one_shared_connection or "poolclass" in options or "pool_use_lifo" in options:
        return options
    return {**options, "pool_use_lifo": True}


def init_app(app: Flask) -> None:
    # The unit of work releases it with the Session's transaction (a streamed answer outlives the
    # request's teardown); this is for requests that end in an exception.
    @app.teardown_request
    def release_read_connection(_error=None) -> None:
        release()
