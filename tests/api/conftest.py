"""API fixtures: bearer tokens for the marketplace's principals, and a caller per principal."""
import pytest

from api_support import ROLE_OF, ApiCaller
from conversations import start
from uploads import upload
from messaging.identity import Principal
from messaging.models import ConversationType
from messaging.services.api_tokens import ApiTokens
from sample_files import PNG


@pytest.fixture
def client(app):
    return app.test_client()


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


@pytest.fixture
def threads(service, marketplace):
    """One conversation of each channel around vendor A and its customer A (the first with a file)."""
    m = marketplace
    return {
        "vendor_customer": start(
            service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Your order",
            uploads=[upload("chart.png", PNG)],
        ),
        "admin_customer": start(service, m.admin, ConversationType.ADMIN_CUSTOMER, m.customer_a, "Verify"),
        "admin_vendor": start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_a, "Fees"),
    }
