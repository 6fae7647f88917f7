"""Fixtures: an app per test (flaskr/microblog style) on SQLite, or on PostgreSQL when
TEST_DATABASE_URL points there (as .ci/run does)."""
import os

import pytest
from flask import g
from sqlalchemy import event

from messaging import create_app
from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import ConversationType
from messaging.services import messaging_service
from messaging.services.api_tokens import ApiTokens
from messaging.services.platform_settings import ensure_default_settings
from tests.api.api_support import ROLE_OF, ApiCaller
from tests.factories import Marketplace, build_marketplace, start, upload
from tests.postgres_databases import dispose_every_engine
from tests.sample_files import PNG

_postgres_schema_ready = False


def uses_postgres() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def app(request, tmp_path):
    overrides = {"ATTACHMENT_ROOT": str(tmp_path / "uploads")}
    if request.node.get_closest_marker("sqlite_file_database") and not uses_postgres():
        # A database file, where another connection can try to write (an in-memory one has one connection).
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    app = create_app("testing", overrides=overrides)
    app.before_request(_forget_previous_request)
    with app.app_context():
        _prepare_schema()
        ensure_default_settings()
        db.session.commit()
        yield app
        db.session.remove()
        _clear_schema()


def _forget_previous_request() -> None:
    """Test-client requests reuse the app context this fixture keeps pushed, and with it ``g``:
    without this, the account one client signed in with would answer for the next client."""
    for name in list(g):
        g.pop(name)


def _prepare_schema() -> None:
    global _postgres_schema_ready
    if not uses_postgres():
        db.create_all()
        return
    if not _postgres_schema_ready:
        db.drop_all()
        db.create_all()
        _postgres_schema_ready = True


def _clear_schema() -> None:
    if uses_postgres():
        table_names = ", ".join(table.name for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.exec_driver_sql(f"TRUNCATE {table_names} RESTART IDENTITY CASCADE")
    dispose_every_engine()


@pytest.fixture
def marketplace(app) -> Marketplace:
    return build_marketplace()


@pytest.fixture
def threads(service, marketplace):
    """One conversation of each channel around shop A and its customer A, each unread by its recipient.

    The vendor has answered the admin (so the admin has something unread too); the
    vendor's message to the customer carries a picture.
    """
    m = marketplace
    created = {
        "admin_vendor": start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_a, "Fees for A"),
        "vendor_customer": start(
            service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Your order",
            uploads=[upload("chart.png", PNG)],
        ),
        "admin_customer": start(service, m.admin, ConversationType.ADMIN_CUSTOMER, m.customer_a, "Verify account"),
    }
    service.send_message(m.staff_a, created["admin_vendor"].id, "Which fees exactly?")
    return created


@pytest.fixture
def tokens(app) -> ApiTokens:
    return ApiTokens(app.config["SECRET_KEY"], app.config["API_TOKEN_MAX_AGE_SECONDS"])


@pytest.fixture
def caller(client, tokens):
    """``caller(principal)`` calls the principal's own surface; ``role=`` picks another one."""

    def make(principal: Principal | None, role: str | None = None, authorization: str | None = None) -> ApiCaller:
        if authorization is None and principal is not None:
            authorization = f"Bearer {tokens.issue(principal).token}"
        return ApiCaller(client, role or ROLE_OF[principal.type], authorization)

    return make


class CommittingService:
    """The service as its callers use it: each call is one unit of work, committed or rolled back."""

    def __init__(self, service):
        self._service = service

    def __getattr__(self, name):
        operation = getattr(self._service, name)
        if not callable(operation):
            return operation

        def call(*args, **kwargs):
            try:
                result = operation(*args, **kwargs)
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            return result

        return call


@pytest.fixture
def service(app):
    return CommittingService(messaging_service())


class QueryCounter:
    """Counts SQL statements sent to the database while active, over every engine of the app (on
    PostgreSQL the planned_once engine serves a request's reads before it writes and the Session
    of a request that writes)."""

    def __init__(self, engines):
        self.engines = list(engines)
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    return lambda: QueryCounter(db.engines.values())
