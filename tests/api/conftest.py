"""API fixtures: bearer tokens for the marketplace's principals, and a caller per principal."""
import pytest

from messaging.identity import Principal
from messaging.services.api_tokens import ApiTokens
from tests.api.api_support import ROLE_OF, ApiCaller


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
