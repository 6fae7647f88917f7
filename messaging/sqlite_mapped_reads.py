"""On SQLite, the reads of requests that only read go through a memory map; the connections that write do not map.

A connection reading through a memory map (``PRAGMA mmap_size``) takes a page straight from
the mapped file instead of copying it in with a ``read()`` call: the admin inbox of a database
of 300k conversations took 0.85 ms mapped against 1.27 unmapped (``bench/run.py``, the median of
four alternated runs). But a connection that finds that another one has committed since its
last read unmaps the whole file before it reads again (SQLite drops its cache and its map
together), then maps it afresh and faults in every page it touches. Under a stream of sends every
send did that (strace of one worker: two ``munmap`` calls of the whole 448 MB file per send), and
sending through unmapped connections cost 12–15 % less worker CPU over HTTP.

So a SQLite database file gets two engines, as PostgreSQL does (:mod:`messaging.planned_once`):
the default one, unmapped, for the Session (every write, and whatever a request reads once it
has begun to write), and the ``mapped_reads`` bind, mapped, for the read connection of requests
that only read (:mod:`messaging.read_connection`): every poll, inbox page and thread.
"""
from flask import Flask
from sqlalchemy import event

from messaging import sqlite_write_lock

MAPPED_READS_BIND = "mapped_reads"
# Pages past the first GiB are read as without a map.
MMAP_BYTES = 1 << 30


def binds(database_uri: str, engine_options: dict, configured: dict) -> dict:
    """SQLALCHEMY_BINDS with, for a SQLite database file, the ``mapped_reads`` bind: the same file and
    engine options (Flask-SQLAlchemy does not apply SQLALCHEMY_ENGINE_OPTIONS to binds)."""
    if sqlite_write_lock.database_file(database_uri) is None or MAPPED_READS_BIND in configured:
        return configured
    return {**configured, MAPPED_READS_BIND: {**engine_options, "url": database_uri}}


def _map_the_file(dbapi_connection, _connection_record) -> None:
    dbapi_connection.execute(f"PRAGMA mmap_size={MMAP_BYTES}")


def init_app(app: Flask) -> None:
    """After Flask-SQLAlchemy's: each new connection of the ``mapped_reads`` engine maps the file."""
    database = app.extensions["sqlalchemy"]
    # As for planned_once: no models are bound to it, and a MetaData kept for it would make
    # create_all() and drop_all() look for this bind in every app of the process.
    database.metadatas.pop(MAPPED_READS_BIND, None)
    with app.app_context():
        mapped_reads = database.engines.get(MAPPED_READS_BIND)
    if mapped_reads is not None:
        event.listen(mapped_reads, "connect", _map_the_file)
