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

On SQLite, a request that comes to write (any method but GET, HEAD and OPTIONS: a send, a
reply, a close) reads through the Session's connection from its first statement: one connection
per request, not two. And the pool hands out the connection given back last (``pool_use_lifo``, see
:func:`engine_options`), so consecutive requests of a thread get the same one. Both matter on
SQLite: a connection that finds the database changed by any other connection since it last
read drops its whole page cache first, which cost the first read of a send 110–160 µs where
it cost 20–30 on the connection that had written last (``SELECT`` of the sign-in check,
in-process; 27 against 136 µs median), besides the second pool checkout (in-process, 1,000
sends alternated in batches: 2,358 against 2,888 µs per send).

On PostgreSQL the read connection comes from the ``planned_once`` engine, whose connections
plan each prepared statement once (:mod:`messaging.planned_once`), and a request that comes to
write reads through it too until it writes: it has no page cache to keep, and a send of text
alone then needs no transaction of the Session at all. That send is one statement, which its
view lets commit itself (:func:`messaging.unit_of_work.committing_at_once`): it runs on this
autocommit connection (:func:`autocommit_connection`), so neither a BEGIN nor a COMMIT goes to
the server, and the conversation's row is locked only while the server runs it.

Outside a request (the CLI, the email workers) every statement runs in the Session, as before.

Once the Session has begun its transaction, its connection is kept in ``Session.info`` until the
transaction ends, so the statements after the first write find it at once. Asked of the Session
each time (the scoped registry, Flask-SQLAlchemy's bind lookup, the transaction's state checks),
it cost a send about 35 µs in all, inside SQLite's one writer's turn
(:mod:`messaging.sqlite_write_lock`), where every other writer waits (742 → 700 µs in-process).

A read connection a request gives back waits for the next request of the process, outside the
pool (:class:`_IdleReadConnections`): taking it from the pool and giving it back (SQLAlchemy's
``Connection``, the checkout, the reset on return) cost a badge poll 44 µs of its 240 in-process,
and the badge, the API's count and the inbox 40–120 µs of worker CPU each over HTTP (bench/README.md).
A connection that failed is not kept, and when the database drops one (a server restart) the
idle ones go back to the pool, whose own checks then replace them. Idle connections count
against the pool's limit, so at most as many wait as the pool keeps open. A request that comes
to write hands one idle connection back to the pool before its Session takes one, so that (the
pool handing out the connection given back last) it writes on the connection this process read
on, whose page cache SQLite then keeps.
"""
import threading
import weakref

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, SessionTransaction, scoped_session
from sqlalchemy.pool import QueuePool

from messaging import sqlite_write_lock
from messaging.extensions import db
from messaging.planned_once import PLANNED_ONCE_BIND, READ_ONLY_METHODS

_HELD = "_read_connection"
# Session.info key of the connection its current transaction runs on.
_TRANSACTION_CONNECTION = "_transaction_connection"
_AUTOCOMMIT = "AUTOCOMMIT"


def connection_for(session: Session | scoped_session, writes: bool) -> Connection:
    """The Core connection a statement runs on: the Session's, unless the request has only read so
    far and is one that only reads (by its method) or runs on PostgreSQL."""
    if writes or not has_request_context() or _in_transaction(session):
        return _transaction_connection(session)
    if request.method not in READ_ONLY_METHODS and not _writers_read_apart():
        return _transaction_connection(session)
    return _held_read_connection()


def autocommit_connection(session: Session | scoped_session) -> Connection | None:
    """A connection on which a write statement is a transaction of its own, committed as it
    returns: PostgreSQL's autocommit read connection, while the request's Session has begun no
    transaction. None otherwise (SQLite, outside a request, or a request that has begun one)."""
    if not has_request_context() or _in_transaction(session) or not _writers_read_apart():
        return None
    return _held_read_connection()


def _writers_read_apart() -> bool:
    """Whether a request that comes to write reads through the read connection until it writes:
    on PostgreSQL, which has no page cache per connection to keep; not on SQLite (module docstring)."""
    return _read_engine().dialect.name == "postgresql"


def commits_alone(connection: Connection) -> bool:
    """Whether ``connection`` commits each statement as it returns (a read connection on PostgreSQL)."""
    return connection.get_execution_options().get("isolation_level") == _AUTOCOMMIT


def _held_read_connection() -> Connection:
    held = g.get(_HELD)
    if held is None:
        engine = _read_engine()
        idle = _IdleReadConnections.of(engine)
        held = (idle.take() if idle else None) or _connect(engine)
        setattr(g, _HELD, held)
    return held


def _read_engine() -> Engine:
    return db.engines.get(PLANNED_ONCE_BIND, db.engine)


def _connect(engine: Engine) -> Connection:
    connection = engine.connect()
    if connection.dialect.name == "postgresql":
        # No BEGIN before and no ROLLBACK after the reads; the pool restores the connection's
        # isolation when it takes it back. (SQLite needs nothing: its driver begins a
        # transaction for writes only, and only the Session writes.)
        connection.execution_options(isolation_level=_AUTOCOMMIT)
    return connection


def _transaction_connection(session: Session | scoped_session) -> Connection:
    """The connection of the Session's transaction (beginning one if need be)."""
    if isinstance(session, scoped_session):
        session = session.registry()
    connection = session.info.get(_TRANSACTION_CONNECTION)
    if connection is None:
        idle = _IdleReadConnections.of(_read_engine()) if has_request_context() else None
        if idle and not session.in_transaction():
            idle.give_one_back()
        connection = session.connection()
    return connection


@event.listens_for(Session, "after_transaction_create")
def _hand_read_connection_to_session(session: Session, transaction: SessionTransaction) -> None:
    # A request that comes to write reads through its read connection until it writes, on
    # PostgreSQL (connection_for), and its Session takes its connection from the same engine.
    # Given back to the pool as the Session begins, before it checks one out, the read connection
    # is the one the Session then takes (the pool hands out the connection given back last): the
    # request holds one connection, not two, whichever of its writes began the Session.
    if transaction.parent is not None or not has_request_context() or request.method in READ_ONLY_METHODS:
        return
    held = g.get(_HELD)
    if held is not None and _writers_read_apart() and not held.in_transaction():
        g.pop(_HELD).close()


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
    """Give the request's read connection back (nothing to commit: it only read): kept for the
    next request, or to the pool."""
    held = g.pop(_HELD, None)
    if held is None:
        return
    idle = _IdleReadConnections.of(held.engine)
    if idle is None or not idle.keep(held):
        held.close()


def kept_for_next_request(engine: Engine) -> int:
    """How many of ``engine``'s read connections wait for the next request (outside its pool)."""
    idle = _IdleReadConnections.of(engine)
    return len(idle) if idle is not None else 0


class _IdleReadConnections:
    """One engine's read connections between requests: taken by the next request that reads, in
    any thread (or greenlet) of the process; at most as many as the pool keeps open."""

    _by_engine: "weakref.WeakKeyDictionary[Engine, _IdleReadConnections]" = weakref.WeakKeyDictionary()
    _creating = threading.Lock()

    @classmethod
    def of(cls, engine: Engine) -> "_IdleReadConnections | None":
        """None where the pool is no queue of several connections (an in-memory SQLite database
        shares one, which the Session's commit or rollback resets)."""
        idle = cls._by_engine.get(engine)
        if idle is None and isinstance(engine.pool, QueuePool):
            with cls._creating:  # once per engine: each one listens to the engine's events
                idle = cls._by_engine.get(engine)
                if idle is None:
                    idle = cls._by_engine[engine] = cls(engine)
        return idle

    def __init__(self, engine: Engine):
        self._connections: list[Connection] = []
        self._at_most = engine.pool.size()
        # The database dropped a connection (its other connections are likely gone too), or the
        # engine's pool was replaced: the idle ones go back, and the pool replaces what is stale.
        event.listen(engine, "invalidate", self._give_all_back)
        event.listen(engine, "engine_disposed", self._give_all_back)

    def __bool__(self) -> bool:
        return bool(self._connections)

    def __len__(self) -> int:
        return len(self._connections)

    def take(self) -> Connection | None:
        try:
            return self._connections.pop()  # atomic: no lock between threads
        except IndexError:
            return None

    def keep(self, connection: Connection) -> bool:
        """Keep ``connection`` for the next request; False when it should go back to the pool."""
        if connection.invalidated or connection.in_transaction() or len(self._connections) >= self._at_most:
            return False
        self._connections.append(connection)
        return True

    def give_one_back(self) -> None:
        connection = self.take()
        if connection is not None:
            connection.close()

    def _give_all_back(self, *_event_arguments) -> None:
        while (connection := self.take()) is not None:
            connection.close()


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
