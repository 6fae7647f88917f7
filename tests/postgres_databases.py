"""Scratch PostgreSQL databases for tests that need PostgreSQL whatever the suite runs on.

Such tests run on every suite run where PostgreSQL is reachable; under CI
(``CI=true``) an unreachable PostgreSQL fails them instead of skipping.
"""
import os
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url

from messaging import create_app
from messaging.extensions import db
from messaging.services.platform_settings import ensure_default_settings

DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def scratch_database_url(name: str) -> str:
    """URL of a fresh, empty database ``name`` on the test PostgreSQL server.

    ``TEST_DATABASE_PREFIX`` (e.g. the branch name) is put in front, so parallel runs of
    several checkouts against one server never drop each other's scratch databases.
    """
    name = os.environ.get("TEST_DATABASE_PREFIX", "") + name
    server = make_url(os.environ.get("TEST_DATABASE_URL", "") or DEFAULT_SERVER_URL)
    if not server.drivername.startswith("postgresql"):
        server = make_url(DEFAULT_SERVER_URL)
    try:
        with psycopg.connect(
            host=server.host, port=server.port or 5432, user=server.username, dbname=server.database,
            autocommit=True, connect_timeout=3,
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        message = f"PostgreSQL at {server.host}:{server.port} is unreachable: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return server.set(database=name).render_as_string(hide_password=False)


@contextmanager
def empty_database(kind: str, name: str, tmp_path):
    """The URL of an empty database for a test that migrates one: a SQLite file under ``tmp_path``
    (``kind`` "sqlite"), or the scratch PostgreSQL database ``name``, dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    url = scratch_database_url(name)
    try:
        yield url
    finally:
        drop_database(url)


def drop_database(url: str) -> None:
    target = make_url(url)
    with psycopg.connect(
        host=target.host, port=target.port or 5432, user=target.username, dbname="postgres", autocommit=True
    ) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')


def dispose_every_engine() -> None:
    """Close the pooled connections of each engine of the current app: on PostgreSQL that is two,
    the default one and the planned_once one (messaging/planned_once.py)."""
    for engine in db.engines.values():
        engine.dispose()


@contextmanager
def scratch_postgres_app(name: str, attachment_root):
    """An app on its own fresh PostgreSQL database, for tests that run threads against it."""
    url = scratch_database_url(name)
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url, "ATTACHMENT_ROOT": str(attachment_root)})
    with app.app_context():
        db.create_all()
        ensure_default_settings()
        db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            dispose_every_engine()
        drop_database(url)
