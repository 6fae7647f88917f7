"""SQLite writers take turns on a lock file: a waiting writer goes on once the other's transaction
ends (commit, rollback or close), readers never wait, and a turn that does not come in time fails
as SQLite's own "database is locked" does."""
import fcntl
import sqlite3
import threading

import pytest

from messaging import create_app
from messaging.extensions import db
from messaging.sqlite_write_lock import SerializedWriterConnection, connection_class_for


@pytest.fixture
def database(tmp_path):
    uri = f"sqlite:///{tmp_path / 'turns.sqlite3'}"
    connection_class = connection_class_for(uri)

    def connect(timeout: float = 5.0) -> SerializedWriterConnection:
        return sqlite3.connect(tmp_path / "turns.sqlite3", timeout=timeout, factory=connection_class,
                               check_same_thread=False)

    setup = connect()
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    setup.commit()
    setup.close()
    connect.lock_path = connection_class.lock_path
    return connect


def turn_is_free(lock_path: str) -> bool:
    with open(lock_path, "ab") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe, fcntl.LOCK_UN)
        return True


def write_in_thread(connection, text: str) -> threading.Thread:
    def write():
        connection.execute("INSERT INTO notes (text) VALUES (?)", (text,))
        connection.commit()

    writer = threading.Thread(target=write)
    writer.start()
    return writer


def test_a_second_writer_waits_until_the_first_commits_then_writes(database):
    first, second = database(), database()
    first.execute("INSERT INTO notes (text) VALUES ('first')")
    assert not turn_is_free(database.lock_path)
    writer = write_in_thread(second, "second")
    writer.join(0.3)
    assert writer.is_alive()  # still waiting for its turn
    first.commit()
    writer.join(5)
    assert not writer.is_alive()
    assert [text for (text,) in first.execute("SELECT text FROM notes ORDER BY id")] == ["first", "second"]
    assert turn_is_free(database.lock_path)


def test_readers_do_not_wait_for_a_writer(database):
    writer, reader = database(), database()
    writer.execute("INSERT INTO notes (text) VALUES ('pending')")
    assert reader.execute("SELECT count(*) FROM notes").fetchone() == (0,)
    writer.rollback()


def test_a_failed_write_and_its_rollback_give_the_turn_back(database):
    connection = database()
    connection.execute("INSERT INTO notes (id, text) VALUES (1, 'one')")
    with pytest.raises(sqlite3.IntegrityError):
        connection.execute("INSERT INTO notes (id, text) VALUES (1, 'again')")
    assert not turn_is_free(database.lock_path)  # the transaction is still open
    connection.rollback()
    assert turn_is_free(database.lock_path)
    connection.execute("INSERT INTO notes (text) VALUES ('after')")
    connection.close()  # closing mid-transaction ends the turn too
    assert turn_is_free(database.lock_path)


def test_a_writer_whose_turn_does_not_come_fails_as_a_locked_database(database):
    holder, impatient = database(), database(timeout=0.2)
    holder.execute("INSERT INTO notes (text) VALUES ('held')")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        impatient.execute("INSERT INTO notes (text) VALUES ('refused')")
    holder.commit()
    impatient.execute("INSERT INTO notes (text) VALUES ('now')")
    impatient.commit()


def test_only_sqlite_files_take_turns():
    assert connection_class_for("sqlite://") is None
    assert connection_class_for("sqlite:///:memory:") is None
    assert connection_class_for("postgresql+psycopg://postgres@127.0.0.1/test") is None


def test_the_apps_connections_to_a_sqlite_file_take_turns(tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.sqlite3'}"})
    with app.app_context():
        connection = db.engine.raw_connection()
        assert isinstance(connection.dbapi_connection, SerializedWriterConnection)
        connection.close()
        db.engine.dispose()


def test_a_new_connection_is_set_up_while_this_thread_holds_the_turn(database):
    """Connection settings take no turn: a connection opened mid-write (the pool's, say) is not
    held up by the write this thread is making on another one."""
    writer = database()
    writer.execute("INSERT INTO notes (text) VALUES ('held')")
    fresh = database(timeout=0.2)
    assert fresh.execute("PRAGMA foreign_keys=ON").fetchall() == []
    assert fresh.execute("PRAGMA busy_timeout").fetchone() == (200,)
    writer.commit()
