"""Helpers for the page tests: signing in through the real forms, htmx headers, conversations."""
import io
import re

from messaging.roles import ADMIN, CUSTOMER, VENDOR
from tests.factories import PASSWORD

# What htmx sends for a request that swaps part of a page, and for a boosted navigation.
HTMX = {"HX-Request": "true"}
BOOSTED = {"HX-Request": "true", "HX-Boosted": "true"}

ROLE_PREFIX = {"admin": ADMIN.pages.url_prefix, "vendor": VENDOR.pages.url_prefix, "customer": CUSTOMER.pages.url_prefix}


def sign_in_staff(client, email: str, vendor_code: str | None = None):
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    if vendor_code is not None:
        assert b"Which shop are you working for?" in response.data
        response = client.post("/login/vendor", data={"vendor_code": vendor_code})
    assert response.status_code == 302, response.data[:500]
    return response


def sign_in_customer(client, email: str, shop: str):
    response = client.post("/shop/login", data={"email": email, "password": PASSWORD, "vendor_code": shop})
    assert response.status_code == 302, response.data[:500]
    return response


def file(name: str, data: bytes):
    """A file part for the test client's multipart posts."""
    return (io.BytesIO(data), name)


def is_full_page(response) -> bool:
    return response.data.lstrip().lower().startswith(b"<!doctype html>")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def csrf_token_in(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no csrf_token field in the page"
    return match.group(1)
