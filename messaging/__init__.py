"""Marketplace messaging: threaded conversations between admins, vendors and shoppers."""
import os
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR
from messaging import planned_once, read_connection, sqlite_write_lock
from messaging.flask_app import MessagingFlask
from messaging.session_cookies import RememberingCookieSessionInterface


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    config_name = config_name or os.environ.get("MESSAGING_CONFIG", "development")
    config_class = CONFIGS[config_name]
    from_environment = config_class.from_environment() if hasattr(config_class, "from_environment") else {}

    app = MessagingFlask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
        static_folder=str(Path(__file__).resolve().parent.parent / "static"),
    )
    app.config.from_object(config_class)
    app.config.update(from_environment)
    if overrides:
        app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    database_uri = app.config["SQLALCHEMY_DATABASE_URI"]
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_write_lock.engine_options(
        database_uri, read_connection.engine_options(database_uri, app.config["SQLALCHEMY_ENGINE_OPTIONS"]),
        checkpoint_seconds=app.config["SQLITE_CHECKPOINT_SECONDS"])
    app.config["SQLALCHEMY_BINDS"] = planned_once.binds(
        database_uri, app.config["SQLALCHEMY_ENGINE_OPTIONS"], app.config.get("SQLALCHEMY_BINDS", {}))
    app.session_interface = RememberingCookieSessionInterface()

    from messaging import csrf_checks, default_headers, sign_in_limits, unit_of_work
    from messaging.extensions import db, limiter, login_manager, migrate

    db.init_app(app)
    planned_once.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    # Templates read the principal (messaging.web's layout context), never current_user: not loaded per render.
    login_manager.init_app(app, add_context_processor=False)
    # Nobody is signed in "remembered" here (login_user's remember stays off): Flask-Login's hook
    # for that cookie would look into the session on every answer, API ones included.
    app.after_request_funcs[None].remove(login_manager._update_remember_cookie)
    csrf_checks.init_app(app)
    limiter.init_app(app)
    sign_in_limits.init_app(app)
    _trust_proxies(app)

    from messaging import auth, models, notifications  # noqa: F401  (registers models and the session loader)
    from messaging.cli import register_cli

    register_cli(app)
    default_headers.init_app(app)  # before the blueprints and hardening declare theirs
    _register_blueprints(app)
    _register_hardening(app)
    notifications.init_app(app)
    # Registered last, so its after-request hook runs first: a write commits, and on SQLite ends
    # the writer's turn, before the other hooks add their headers (which then reach the answer
    # of a failed commit too).
    unit_of_work.init_app(app)
    return app


def _register_hardening(app: Flask) -> None:
    """Refusals of hostile input before any view, 503 for a database that is down or busy, no caching."""
    from messaging import database_unavailable, request_input, response_caching, send_limits

    request_input.init_app(app)
    database_unavailable.init_app(app)
    response_caching.init_app(app)
    send_limits.init_app(app)


def _trust_proxies(app: Flask) -> None:
    """Behind reverse proxies the client's address is the one they add to X-Forwarded-For;
    without this every visitor would share the proxy's address, and one sign-in budget."""
    hops = app.config["TRUSTED_PROXY_COUNT"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops)


def _register_blueprints(app: Flask) -> None:
    """The JSON API and the HTML pages: two front ends over the same services."""
    from messaging import api, live, web

    api.init_app(app)
    web.init_app(app)
    live.init_app(app)  # issue 10: live delivery (streams, broker)


SQLITE_MMAP_BYTES = 1 << 30


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _connection_record):
    """Foreign keys on, WAL for concurrent readers, wait instead of failing on a lock, read
    through a memory map, and the SQL functions of the search index.

    Without the map every page that is not in the connection's small cache is copied in by a
    read() call; the larger the database, the more of them an inbox page needs (the admin inbox
    took 1.46× the time at 300k conversations as at 10k; mapped: 1.05×). Pages past the first GiB
    are read as before.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
    cursor.close()
    from messaging.services.search import define_sql_functions  # the service layer imports this package

    define_sql_functions(dbapi_connection)
