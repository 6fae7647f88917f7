"""SQLite writers take turns on a file lock, so a waiting writer starts the moment the last one ends.

SQLite lets one connection write at a time. A connection that finds the database locked
sleeps in SQLite's busy handler, 1, 2, 5, 10 ms and longer, however short the other's
write: under a stream of sends from two gunicorn workers, the cores sat idle a third of the
time while every send waited on a lock released long before (bench/README.md). Here every
connection to a database file first takes an exclusive ``flock`` on a lock file beside it,
from its first write statement until its transaction ends (commit, rollback or close), and
a waiting writer polls that lock every ``POLL_SECONDS``. Within one process (the threads of
a gthread worker) writers first queue on a thread lock, so only one of them polls and the
others sleep until it is their turn. Readers never take either: in WAL mode they do not wait
for writers.

A writer that cannot get the turn within the connection's busy timeout fails as SQLite
itself would, with "database is locked" (the app answers 503). Programs that write to the
file without this lock (the sqlite3 shell, say) still wait in SQLite's busy handler as before.
"""
import fcntl
import os
import sqlite3
import threading
import time

from sqlalchemy.engine import make_url

from messaging import sqlite_checkpoints

# A waiting writer looks again this often. SQLite's own first wait is 1 ms.
POLL_SECONDS = 0.0001
LOCK_FILE_SUFFIX = "-write-lock"
# Statements that never take SQLite's write lock: reads, and the settings a new connection makes
# (which must not wait for a write this thread may hold on another connection). Anything else
# (INSERT, UPDATE, DELETE, CREATE...) takes the turn.
READ_ONLY_PREFIXES = ("SELECT", "select", "PRAGMA", "pragma")


class SerializedWriterCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=()):
        return self._in_turn(super().execute, sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        return self._in_turn(super().executemany, sql, seq_of_parameters)

    def _in_turn(self, run, sql, parameters):
        turn = self.connection.take_write_turn(sql)
        try:
            return run(sql, parameters)
        finally:
            if turn:
                self.connection.end_turn_outside_transaction()


class SerializedWriterConnection(sqlite3.Connection):
    """A connection that holds the lock file from its first write until its transaction ends."""

    lock_path: str = ""
    # The writers of this process queue here first (one lock per database, set by connection_class_for).
    process_turn: threading.Lock
    database_path: str = ""
    # How often a thread checkpoints the database outside the turns (messaging/sqlite_checkpoints.py); 0: never.
    checkpoint_seconds: float = 0.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A file object, so a connection dropped without close() still lets go of the lock.
        self._lock_file = open(self.lock_path, "ab")  # noqa: SIM115  (closed in close())
        self._has_turn = False
        self._wait_seconds = float(kwargs.get("timeout", 5.0))
        if self.checkpoint_seconds:
            sqlite_checkpoints.checkpoint_in_background(self, self.database_path, self.checkpoint_seconds)

    def cursor(self, factory=SerializedWriterCursor):
        return super().cursor(factory)

    # The driver's shortcuts make their cursor without calling cursor() above.
    def execute(self, sql, parameters=()):
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        return self.cursor().executemany(sql, seq_of_parameters)

    def take_write_turn(self, sql: str) -> bool:
        """Wait for the turn before a statement that may write; True when this call took it."""
        if self._has_turn or sql.lstrip().startswith(READ_ONLY_PREFIXES):
            return False
        deadline = time.monotonic() + self._wait_seconds
        if not self.process_turn.acquire(timeout=self._wait_seconds):
            raise sqlite3.OperationalError("database is locked")
        try:
            while True:
                try:
                    fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise sqlite3.OperationalError("database is locked") from None
                    time.sleep(POLL_SECONDS)
        except BaseException:
            self.process_turn.release()
            raise
        self._has_turn = True
        return True

    def end_turn_outside_transaction(self) -> None:
        # A statement that wrote without a transaction (DDL, say) has already ended its write.
        if not self.in_transaction:
            self._end_turn()

    def _end_turn(self) -> None:
        if self._has_turn:
            self._has_turn = False
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            finally:
                self.process_turn.release()

    def commit(self):
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._end_turn()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self):
        try:
            super().close()
        finally:
            self._end_turn()
            self._lock_file.close()


def database_file(database_uri: str) -> str | None:
    """The absolute path of the SQLite database file ``database_uri`` names; None for any other
    database, an in-memory one, or one named by a ``file:`` URI (whose path is the driver's to read)."""
    url = make_url(database_uri)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" \
            or url.database.startswith("file:") or url.query.get("uri"):
        return None
    return os.path.abspath(url.database)


def connection_class_for(database_uri: str, checkpoint_seconds: float = 0.0) -> type[SerializedWriterConnection] | None:
    """The connection class taking turns on ``database_uri``'s lock file; None for anything but a
    SQLite database file (an in-memory database has one connection and nobody to wait for).
    With ``checkpoint_seconds``, its checkpoints run outside the turns (messaging/sqlite_checkpoints.py)."""
    database_path = database_file(database_uri)
    if database_path is None:
        return None
    lock_path = database_path + LOCK_FILE_SUFFIX
    return type("SerializedWriterConnection", (SerializedWriterConnection,), {
        "lock_path": lock_path, "process_turn": _process_turns.setdefault(lock_path, threading.Lock()),
        "database_path": database_path, "checkpoint_seconds": checkpoint_seconds,
    })


# One per database file, whichever app or engine in the process writes to it.
_process_turns: dict[str, threading.Lock] = {}


def engine_options(database_uri: str, options: dict, checkpoint_seconds: float = 0.0) -> dict:
    """``options`` (SQLALCHEMY_ENGINE_OPTIONS) with the turn-taking connection for a SQLite file."""
    connection_class = connection_class_for(database_uri, checkpoint_seconds)
    connect_args = options.get("connect_args", {})
    if connection_class is None or "factory" in connect_args:
        return options
    return {**options, "connect_args": {**connect_args, "factory": connection_class}}
