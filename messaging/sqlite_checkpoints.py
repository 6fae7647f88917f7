"""SQLite's checkpoints run on a thread of their own, outside the writers' turns.

In WAL mode a commit appends the pages it changed to the log, and the commit that takes the log
past 1,000 pages (SQLite's default) copies the logged pages into the database file and syncs
both files. Under a stream of sends that is about one commit in forty, taking 3–4 ms, inside
the commit and so inside the writer's turn (:mod:`messaging.sqlite_write_lock`) that every other
writer waits for: about 100 µs of each send's turn, on average (bench/README.md).

Here every process that writes to a database file runs one thread that checkpoints it every
``SQLITE_CHECKPOINT_SECONDS``, passively: a checkpoint never waits for a reader or a writer, nor
makes one wait, and copies what no reader still needs. Its syncs then keep nobody waiting. The
app's connections leave SQLite's own checkpoint for a log past ``FALLBACK_PAGES``, should the
thread fall behind or be gone, so the log stays bounded either way.

A forked worker starts its own thread with its first connection (threads do not survive a fork),
and a thread ends once its database file is gone (the tests' files).
"""
import logging
import os
import sqlite3
import threading
import time

# SQLite still checkpoints within a commit once the log holds this many pages (40 MB).
FALLBACK_PAGES = 10_000

_logger = logging.getLogger(__name__)
_lock = threading.Lock()
# (process id, database path) -> that process's checkpointing thread for that file.
_threads: dict[tuple[int, str], threading.Thread] = {}


def checkpoint_in_background(connection: sqlite3.Connection, database_path: str, every_seconds: float) -> None:
    """Leave ``connection``'s checkpoints to this process's thread for ``database_path``, started if need be."""
    connection.execute(f"PRAGMA wal_autocheckpoint={FALLBACK_PAGES}")
    key = (os.getpid(), database_path)
    with _lock:
        thread = _threads.get(key)
        if thread is None or not thread.is_alive():
            thread = _threads[key] = threading.Thread(
                target=_checkpoint_while_present, args=(database_path, every_seconds),
                name=f"sqlite-checkpoints:{os.path.basename(database_path)}", daemon=True)
            thread.start()


def _checkpoint_while_present(database_path: str, every_seconds: float) -> None:
    connection = sqlite3.connect(database_path, timeout=0, isolation_level=None, check_same_thread=False)
    try:
        while True:
            time.sleep(every_seconds)
            if not os.path.exists(database_path):
                return
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # a rare lock or I/O error: the next round tries again
                _logger.warning("Background checkpoint of %s failed", database_path, exc_info=True)
    finally:
        connection.close()
