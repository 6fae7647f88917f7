"""Fixtures: an app per test (flaskr/microblog style) on SQLite, or on PostgreSQL when
TEST_DATABASE_URL points there (as .ci/run does)."""
import os
from dataclasses import dataclass

import pytest
from flask import g
from sqlalchemy import event

from messaging import create_app
from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import Vendor
from messaging.services import accounts, messaging_service
from messaging.services.platform_settings import ensure_default_settings

_postgres_schema_ready = False


def uses_postgres() -> bool:
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def app(tmp_path):
    app = create_app("testing", overrides={"ATTACHMENT_ROOT": str(tmp_path / "uploads")})
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
    db.engine.dispose()


@dataclass
class Marketplace:
    """Two shops with staff and customers, and two admins: enough to test every scope."""

    admin: Principal
    admin2: Principal
    vendor_a: Vendor
    vendor_b: Vendor
    staff_a: Principal
    staff_a2: Principal
    staff_b: Principal
    multi_in_a: Principal
    multi_in_b: Principal
    customer_a: Principal
    customer_a2: Principal
    customer_b: Principal


PASSWORD = "correct-horse"


@pytest.fixture
def marketplace(app) -> Marketplace:
    admin = accounts.create_admin("admin@test.example", "Ada Admin", PASSWORD)
    admin2 = accounts.create_admin("admin2@test.example", "Ali Admin", PASSWORD)
    vendor_a = accounts.create_vendor("shop-a", "Shop A")
    vendor_b = accounts.create_vendor("shop-b", "Shop B")
    staff_a = accounts.create_vendor_user("staff@a.example", "shop-a", "Sara A", PASSWORD)
    staff_a2 = accounts.create_vendor_user("staff2@a.example", "shop-a", "Sven A", PASSWORD)
    staff_b = accounts.create_vendor_user("staff@b.example", "shop-b", "Bea B", PASSWORD)
    multi = accounts.create_vendor_user("multi@example", "shop-a", "Mo Multi", PASSWORD)
    accounts.create_vendor_user("multi@example", "shop-b", "Mo Multi", PASSWORD)
    customer_a = accounts.create_customer("cust@example", "shop-a", "Cora Customer", PASSWORD)
    customer_a2 = accounts.create_customer("cust2@example", "shop-a", "Cid Customer", PASSWORD)
    customer_b = accounts.create_customer("cust@example", "shop-b", "Cleo Customer", PASSWORD)
    db.session.commit()
    return Marketplace(
        admin=accounts.admin_principal(admin),
        admin2=accounts.admin_principal(admin2),
        vendor_a=vendor_a,
        vendor_b=vendor_b,
        staff_a=accounts.vendor_principal(staff_a, vendor_a),
        staff_a2=accounts.vendor_principal(staff_a2, vendor_a),
        staff_b=accounts.vendor_principal(staff_b, vendor_b),
        multi_in_a=accounts.vendor_principal(multi, vendor_a),
        multi_in_b=accounts.vendor_principal(multi, vendor_b),
        customer_a=accounts.customer_principal(customer_a),
        customer_a2=accounts.customer_principal(customer_a2),
        customer_b=accounts.customer_principal(customer_b),
    )


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
    """Counts SQL statements sent to the database while active."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[str] = []

    def _record(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    return lambda: QueryCounter(db.engine)
