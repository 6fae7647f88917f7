"""On a SQLite file, the requests that come to write share one connection per process.

A SQLite connection that finds the database changed by any other connection since it last
read drops its whole page cache and its memory map of the file first, then reads back every
page it needs (:mod:`messaging.read_connection`). With the threads of a gthread worker each
sending on a connection of their own, every send found the others' commits and paid for that
again. So the Session of a request that comes to write (any method but GET, HEAD and OPTIONS,
as :mod:`messaging.planned_once` tells them apart) runs on an engine of its own whose pool holds
one connection: the writes of a process follow one another on it, and it only finds the
database changed when another process wrote. Measured in-process, four threads sending to one
thread: 1,155–1,333 µs of CPU per send on connections of their own, 857–923 µs on the shared
one, against 768–782 µs for a single thread; and over HTTP (bench/http_load.py, gthread
workers) 857–872 against 1,082–1,083 sends a second (bench/README.md).

Writes wait for one another in any case: SQLite has one writer at a time
(:mod:`messaging.sqlite_write_lock`). What waits now besides is a write request's work between
its first statement and its commit, so work that is slow and needs no database is kept out of
that stretch:

- a request's body has arrived before its first statement: the app's first hooks read every
  form and JSON body (:mod:`messaging.csrf_checks`, :mod:`messaging.request_input`) before the
  blueprints' sign-in checks ask the database, so an upload arriving slowly holds nothing;
- hashing a password, and checking and storing a message's files, run after the request has
  ended its reads (:func:`messaging.unit_of_work.end_reads_before_slow_work`).

A request that cannot have the connection within ``SQLITE_WRITER_WAIT_SECONDS`` answers 503,
as one that finds SQLite's lock taken for longer than its busy timeout does
(:mod:`messaging.database_unavailable`). Reads, the CLI and the email workers keep the default
engine and its pool; PostgreSQL is not concerned (its write requests run on ``planned_once``).
"""
from flask import Flask

from messaging import sqlite_write_lock

ONE_WRITER_BIND = "one_writer"


def binds(database_uri: str, engine_options: dict, configured: dict, wait_seconds: float) -> dict:
    """SQLALCHEMY_BINDS with, on a SQLite database file, the ``one_writer`` bind: the same file and
    engine options, a pool of one connection (Flask-SQLAlchemy does not apply SQLALCHEMY_ENGINE_OPTIONS
    to binds)."""
    if sqlite_write_lock.database_file(database_uri) is None or ONE_WRITER_BIND in configured:
        return configured
    pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": wait_seconds}
    return {**configured, ONE_WRITER_BIND: {**engine_options, **pool, "url": database_uri}}


def init_app(app: Flask) -> None:
    """After Flask-SQLAlchemy's."""
    database = app.extensions["sqlalchemy"]
    # Flask-SQLAlchemy makes a MetaData per bind for the models bound to it, and none is: kept, it
    # would make create_all() and drop_all() look for this bind in every app of the process.
    database.metadatas.pop(ONE_WRITER_BIND, None)

