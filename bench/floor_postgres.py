"""The framework floor of ../shared/bench/floor.sh, reading PostgreSQL instead of SQLite.

The same bare Flask app and the same badge-shaped query (the sum of a participant's unread
counts through a composite index), on a connection per thread kept open, in autocommit, the
statement prepared by psycopg after its fifth run. ``bench/http_load.py --url postgresql+psycopg://…``
serves it with the same gunicorn and wrk settings as the SQLite floor and reports both: what one
round trip to the database server costs a request on this machine, which the SQLite floor, read
in-process, does not pay.

    FLOOR_POSTGRES_CONNINFO="host=127.0.0.1 user=postgres dbname=…" gunicorn bench.floor_postgres:app
"""
import itertools
import os
import random
import threading

from flask import Flask

PARTICIPANTS = 2000
ROWS_EACH = 20
TABLE = "floor_participant"

app = Flask(__name__)
_local = threading.local()
_counter = itertools.count()


def _connection():
    import psycopg

    connection = getattr(_local, "connection", None)
    if connection is None:
        connection = _local.connection = psycopg.connect(os.environ["FLOOR_POSTGRES_CONNINFO"], autocommit=True)
    return connection


@app.get("/hello")
def hello():
    return "ok"


@app.get("/sql")
def sql():
    participant_id = next(_counter) % PARTICIPANTS + 1
    (total,) = _connection().execute(
        f"SELECT COALESCE(SUM(unread_count), 0) FROM {TABLE} "
        "WHERE participant_type = %s AND participant_id = %s", ("vendor", participant_id)).fetchone()
    return {"total_unread": total}


def create_table(conninfo: str) -> None:
    """floor.sh's rows (2,000 participants of 20 conversations each) and index, in the database of ``conninfo``."""
    import psycopg

    generator = random.Random(1)
    rows = [(conversation_id, "vendor", participant_id, generator.choice((0, 0, 0, 1, 3)))
            for participant_id in range(1, PARTICIPANTS + 1)
            for conversation_id in range(participant_id * ROWS_EACH, participant_id * ROWS_EACH + ROWS_EACH)]
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
        connection.execute(f"CREATE TABLE {TABLE} (id serial PRIMARY KEY, conversation_id integer, "
                           "participant_type text, participant_id integer, unread_count integer NOT NULL DEFAULT 0)")
        with connection.cursor() as cursor:
            cursor.executemany(f"INSERT INTO {TABLE} (conversation_id, participant_type, participant_id, unread_count) "
                               "VALUES (%s, %s, %s, %s)", rows)
        connection.execute(f"CREATE INDEX ix_{TABLE} ON {TABLE} (participant_type, participant_id, unread_count)")
        connection.execute(f"VACUUM ANALYZE {TABLE}")
