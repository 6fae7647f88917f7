"""Headers every page carries, and error answers outside the pages."""
import pytest
from werkzeug.datastructures import Headers

from messaging.default_headers import add_vary
from tests.web.page_support import HTMX, is_full_page, text_of


def test_pages_send_a_content_security_policy(admin_client):
    response = admin_client.get("/admin/messages")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_pages_are_an_html_404_and_unknown_api_paths_json(client, app):
    page = client.get("/no-such-page")
    assert page.status_code == 404 and is_full_page(page) and "Page not found" in text_of(page)
    api = client.get("/api/v1/no-such-endpoint")
    assert api.status_code == 404 and api.mimetype == "application/json"
    assert api.get_json()["error"]["code"] == "not_found"


def test_static_htmx_is_served_from_this_site(client, app):
    response = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200 and b"htmx" in response.data[:200]
    response.close()


def test_signed_in_fragments_vary_on_htmx_and_the_session_each_named_once(vendor_client, threads):
    response = vendor_client.get("/vendor/messages/unread-badge", headers=HTMX)
    assert sorted(name.strip().lower() for name in response.headers["Vary"].split(",")) == ["cookie", "hx-request"]


@pytest.mark.parametrize(("before", "after"), [
    (None, "Cookie"),
    ("HX-Request", "HX-Request, Cookie"),
    ("HX-Request, cookie", "HX-Request, cookie"),
    ("*", "*"),
])
def test_vary_gains_a_request_header_once(before, after):
    headers = Headers({"Vary": before} if before else {})
    add_vary(headers, "Cookie")
    assert headers["Vary"] == after
