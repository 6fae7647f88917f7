"""The customer's account: dashboard with the Messages card, list and thread pages, no create, no close."""
import re

from tests.web.page_support import HTMX, is_full_page, text_of


def test_dashboard_has_the_messages_card_with_the_unread_count(customer_client, threads):
    response = customer_client.get("/shop/account")
    assert response.status_code == 200 and is_full_page(response)
    html = text_of(response)
    card = re.search(r'<a class="card card--link" href="/shop/account/messages"[^>]*>.*?</a>', html, re.S).group(0)
    assert "Messages" in card and 'data-unread="2"' in card and "2 unread" in card
    assert 'id="unread-badge"' in html  # the shop header badge


def test_messages_list_is_its_own_page_with_status_filter(customer_client, threads, service, marketplace):
    html = text_of(customer_client.get("/shop/account/messages"))
    assert 'class="split"' not in html and 'id="thread-panel"' not in html
    assert "Your order" in html and "Verify account" in html and "Fees for A" not in html
    assert 'name="status"' in html and 'name="type"' not in html
    assert "New conversation" not in html
    service.close_conversation(marketplace.staff_a, threads["vendor_customer"].id)
    closed = text_of(customer_client.get("/shop/account/messages?status=closed", headers=HTMX))
    assert "Your order" in closed and "Verify account" not in closed


def test_list_items_name_the_shop_or_the_marketplace_team(customer_client, threads):
    html = text_of(customer_client.get("/shop/account/messages"))
    whos = re.findall(r'class="conversation__who">([^<]+)<', html)
    assert sorted(whos) == ["Marketplace team", "Shop A"]


def test_thread_page_has_history_and_reply_but_no_close(customer_client, threads):
    html = text_of(customer_client.get(f"/shop/account/messages/{threads['vendor_customer'].id}"))
    assert "First message" in html and 'id="reply-form"' in html
    assert "Close conversation" not in html and 'href="/shop/account/messages"' in html
    assert 'id="conversation-list"' not in html


def test_customers_cannot_close_or_compose(customer_client, threads):
    conversation_id = threads["vendor_customer"].id
    assert customer_client.post(f"/shop/account/messages/{conversation_id}/close").status_code == 403
    assert customer_client.post(f"/shop/account/messages/{conversation_id}/reopen", headers=HTMX).status_code == 403
    assert customer_client.get("/shop/account/messages/new").status_code == 403


def test_dashboard_fragment_request_still_gets_the_page(customer_client, threads):
    # The dashboard has no partial: a boosted or htmx navigation gets the whole page.
    assert is_full_page(customer_client.get("/shop/account", headers=HTMX))
