"""Page-test fixtures: a test client signed in as each role, and a conversation of each channel."""
from dataclasses import dataclass

import pytest

from tests.web.page_support import ROLE_PREFIX, sign_in_customer, sign_in_staff


@pytest.fixture
def admin_client(app, marketplace):
    client = app.test_client()
    sign_in_staff(client, "admin@test.example")
    return client


@pytest.fixture
def vendor_client(app, marketplace):
    client = app.test_client()
    sign_in_staff(client, "staff@a.example")
    return client


@pytest.fixture
def customer_client(app, marketplace):
    client = app.test_client()
    sign_in_customer(client, "cust@example", "shop-a")
    return client


@dataclass
class SignedInRole:
    role: str
    client: object
    principal: object
    prefix: str
    # A conversation of this role with an unread message for it.
    conversation_id: int

    def url(self, path: str = "") -> str:
        return self.prefix + path


@pytest.fixture(params=["admin", "vendor", "customer"])
def signed_in(request, app, marketplace, threads):
    """Each page test that takes this fixture runs once per role, signed in through the real form."""
    role = request.param
    client = app.test_client()
    if role == "admin":
        sign_in_staff(client, "admin@test.example")
        principal, thread = marketplace.admin, threads["admin_vendor"]
    elif role == "vendor":
        sign_in_staff(client, "staff@a.example")
        principal, thread = marketplace.staff_a, threads["admin_vendor"]
    else:
        sign_in_customer(client, "cust@example", "shop-a")
        principal, thread = marketplace.customer_a, threads["vendor_customer"]
    return SignedInRole(role, client, principal, ROLE_PREFIX[role], thread.id)
