"""A page's CSRF token is signed once per session token and minute (messaging/web/csrf_tokens.py):
the forms still post with it, and no other session is handed it."""
import re

import pytest

from tests.factories import PASSWORD
from tests.web.page_support import HTMX, text_of

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def signed_in(app, email: str):
    client = app.test_client()
    page = text_of(client.get("/login"))
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": TOKEN.search(page).group(1)})
    assert response.status_code == 302
    return client


def tokens_of(client, url: str) -> set[str]:
    return set(TOKEN.findall(text_of(client.get(url, headers=HTMX))))


def test_a_remembered_token_posts_and_stays_with_its_own_session(csrf_on, marketplace, threads):
    thread = f"/vendor/messages/{threads['vendor_customer'].id}"
    staff = signed_in(csrf_on, "staff@a.example")
    first, again = tokens_of(staff, thread), tokens_of(staff, thread)
    assert len(first) == 1 and first == again  # every form of the page, and the next view, carry the same
    response = staff.post(f"{thread}/messages", data={"content": "Signed once", "csrf_token": first.pop()})
    assert response.status_code == 302
    assert "Signed once" in text_of(staff.get(thread))
    refused = staff.post(f"{thread}/messages", data={"content": "No token"})
    assert refused.status_code == 400
    colleague = signed_in(csrf_on, "staff2@a.example")
    assert tokens_of(colleague, thread).isdisjoint(again)
