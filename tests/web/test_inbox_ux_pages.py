"""Static caching, the tab title, the switcher's per-shop counts, expired sessions (issue 12)."""
import hashlib
import re
from pathlib import Path

from messaging.models import ConversationType
from tests.factories import start
from tests.web.page_support import HTMX, text_of

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_every_static_link_carries_the_hash_of_the_file_and_is_cached_for_a_year(admin_client):
    html = text_of(admin_client.get("/admin/messages"))
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert len(links) == 6  # icon, stylesheet, htmx, app.js, the SSE extension, live.js
    for link in links:
        path, version = re.match(r"/static/([^?]+)\?v=([0-9a-f]+)$", link).groups()
        assert version == hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:16]
        response = admin_client.get(link)
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
        assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
        response.close()


def test_a_static_url_without_the_current_version_is_revalidated(client):
    for url in ("/static/css/app.css", "/static/css/app.css?v=0123456789abcdef"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-cache" in response.headers["Cache-Control"] and "immutable" not in response.headers["Cache-Control"]
        response.close()


def test_the_tab_title_leads_with_the_unread_count(admin_client, threads):
    assert re.search(r"<title>\(1\) Messages · Marketplace</title>", text_of(admin_client.get("/admin/messages")))
    admin_client.get(f"/admin/messages/{threads['admin_vendor'].id}")
    assert "<title>Messages · Marketplace</title>" in text_of(admin_client.get("/admin/messages"))


def test_the_switcher_shows_each_shops_unread_count_with_one_query(client, service, marketplace, count_queries):
    m = marketplace
    start(service, m.multi_in_b, ConversationType.VENDOR_CUSTOMER, m.customer_b, "At B")
    at_b = service.list_conversations(m.multi_in_b).items[0].id
    service.send_message(m.customer_b, at_b, "One")
    service.send_message(m.customer_b, at_b, "Two")
    client.post("/login", data={"email": "multi@example", "password": "correct-horse"})
    client.post("/login/vendor", data={"vendor_code": "shop-a"})
    page = text_of(client.get("/vendor/messages"))
    assert re.search(r'<option value="shop-a" selected>Shop A</option>', page)
    assert '<option value="shop-b">Shop B (2 unread)</option>' in page

    # The counts take one query however many shops there are.
    def switcher_queries():
        with count_queries() as counter:
            client.get("/vendor/messages")
        return [s for s in counter.statements if "GROUP BY conversations.vendor_id" in s]
    assert len(switcher_queries()) == 1


def test_an_htmx_request_without_a_session_is_sent_to_sign_in_and_back(client, marketplace, threads):
    response = client.get(f"/admin/messages/{threads['admin_vendor'].id}", headers={
        **HTMX, "HX-Current-URL": f"http://localhost/admin/messages/{threads['admin_vendor'].id}?type=admin_vendor"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == (
        f"/login?next=/admin/messages/{threads['admin_vendor'].id}?type%3Dadmin_vendor")
    # A page of another site is never the way back.
    response = client.get("/admin/messages", headers={**HTMX, "HX-Current-URL": "https://evil.example/x"})
    assert response.headers["HX-Redirect"] == "/login"


def test_a_post_after_the_session_ended_goes_to_sign_in_not_to_the_form_expired(app, marketplace, threads):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        client = app.test_client()
        thread = f"/admin/messages/{threads['admin_vendor'].id}"
        response = client.post(f"{thread}/messages", data={"content": "hi"}, headers={"Referer": f"http://localhost{thread}"})
        assert response.status_code == 302 and response.location == f"/login?next={thread}"
        response = client.post(f"{thread}/messages", data={"content": "hi"},
                               headers={**HTMX, "HX-Current-URL": f"http://localhost{thread}"})
        assert response.status_code == 401 and response.headers["HX-Redirect"] == f"/login?next={thread}"
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_search_results_show_the_matching_message_highlighted_and_open_the_thread_at_it(vendor_client, service, marketplace):
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Delivery",
                   text="The <b>courier</b> comes on Tuesday")
    service.send_message(m.customer_a, thread.id, "Thanks, see you then")
    html = text_of(vendor_client.get("/vendor/messages?q=courier"))
    assert '<span class="conversation__match">The &lt;b&gt;<mark>courier</mark>&lt;/b&gt; comes on Tuesday</span>' in html
    first = service.get_conversation(m.staff_a, thread.id).messages[0].id
    assert f'href="/vendor/messages/{thread.id}?before={first + 1}&amp;q=courier#message-{first}"' in html
    opened = text_of(vendor_client.get(f"/vendor/messages/{thread.id}?before={first + 1}&q=courier"))
    assert f'id="message-{first}"' in opened and "Back to the latest messages" in opened
    # A subject match alone shows the usual preview.
    html = text_of(vendor_client.get("/vendor/messages?q=delivery"))
    assert 'class="conversation__preview">Thanks, see you then<' in html


def test_admin_recipient_picker_tells_apart_one_person_at_two_shops(admin_client, app, marketplace):
    from messaging.services import accounts
    accounts.create_customer("twin@example", "shop-a", "Tess Twin", "pw-123456789")
    accounts.create_customer("twin@example", "shop-b", "Tess Twin", "pw-123456789")
    html = text_of(admin_client.get("/admin/messages/recipients?recipient_type=customer&recipient_q=tess", headers=HTMX))
    details = re.findall(r'class="recipient__detail">([^<]+)<', html)
    assert sorted(details) == ["twin@example · Shop A", "twin@example · Shop B"]
