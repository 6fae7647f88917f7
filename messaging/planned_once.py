"""On PostgreSQL, the hot paths' statements are planned once per connection, not at every call.

psycopg prepares a statement it has run five times on a connection, and PostgreSQL then chooses
at each execution between a plan made for the values at hand (custom) and one made once for
any values (generic). Left to choose (``plan_cache_mode = auto``), it kept planning afresh the
statements a busy shop runs most, because for a shop with many conversations a custom plan
looks a little cheaper than the generic one. Measured in the server's log on the benchmark's
busiest shop (bench/README.md), planning ("bind") against executing, per call:

- the inbox's first page, 1.4 ms against 0.7-1.2 ms;
- a thread with its latest messages, 1.8 ms against 0.3 ms;
- a send's read of its conversation, 1.4 ms against 0.1 ms, and its outbox row, 0.5 ms.

So PostgreSQL gets a second engine on the same database, the ``planned_once`` bind, whose
connections plan every prepared statement once (``plan_cache_mode = force_generic_plan``).
Two kinds of work run there:

- a request's reads before it writes (:mod:`messaging.read_connection`): the prepared
  statements of :mod:`messaging.prepared_statements`, written to be planned once (what a plan
  depends on, a role, a status, a first page's size, is written into their text; the callers'
  ids are parameters);
- the Session of a request that comes to write (any method but GET, HEAD and OPTIONS): a send,
  a reply, a close, whose statements find rows by id; a send of text alone runs on the read
  connection itself, a transaction of its own (:func:`messaging.unit_of_work.committing_at_once`).

Everything else keeps the default engine and PostgreSQL's own choice: above all searches, each a
statement of its own through the Session of a GET request, planned for the words it looks for
(a generic plan cannot know how common a word is: forcing it everywhere took search's worst p95
from 45 to 151 ms), and the CLI and the email workers. SQLite plans every statement as it
prepares it and has no such choice to make: it gets no second engine.
"""
from flask import Flask, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

PLANNED_ONCE_BIND = "planned_once"
# Requests of these methods read only (a GET may still mark a thread read, and then writes in the
# Session's transaction like any other write); any other method comes to write.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def binds(database_uri: str, engine_options: dict, configured: dict) -> dict:
    """SQLALCHEMY_BINDS with, on PostgreSQL, the ``planned_once`` bind: the same database and
    engine options (Flask-SQLAlchemy does not apply SQLALCHEMY_ENGINE_OPTIONS to binds)."""
    if make_url(database_uri).get_backend_name() != "postgresql" or PLANNED_ONCE_BIND in configured:
        return configured
    return {**configured, PLANNED_ONCE_BIND: {**engine_options, "url": database_uri}}


def _plan_each_statement_once(dbapi_connection, _connection_record) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
    # A session setting, but one made in a transaction is undone should that transaction roll back.
    if not dbapi_connection.autocommit:
        dbapi_connection.commit()


def init_app(app: Flask) -> None:
    """After Flask-SQLAlchemy's: each new connection of the ``planned_once`` engine is told so."""
    database = app.extensions["sqlalchemy"]
    # Flask-SQLAlchemy makes a MetaData per bind for the models bound to it, and none is: kept, it
    # would make create_all() and drop_all() look for this bind in every app of the process.
    database.metadatas.pop(PLANNED_ONCE_BIND, None)
    with app.app_context():
        planned_once = database.engines.get(PLANNED_ONCE_BIND)
    if planned_once is not None:
        event.listen(planned_once, "connect", _plan_each_statement_once)


def comes_to_write() -> bool:
    """Whether the current request is one that comes to write (by its method); False outside requests."""
    return has_request_context() and request.method not in READ_ONLY_METHODS


class RequestSession(FlaskSQLAlchemySession):
    """The Session of a request that comes to write runs on the ``planned_once`` engine, where there is one."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs) -> Engine:
        if bind is None and comes_to_write():
            planned_once = self._db.engines.get(PLANNED_ONCE_BIND)
            if planned_once is not None:
                return planned_once
        return super().get_bind(mapper, clause, bind, **kwargs)
