"""Thread pages for reading (issue 12): the "New" divider, pages of earlier messages, day separators."""
import re
from datetime import timedelta

from sqlalchemy import update

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models import ConversationType, Message
from tests.factories import start
from tests.web.page_support import HTMX, is_full_page, text_of


def _long_thread(service, marketplace, messages: int):
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Long one")
    for number in range(2, messages + 1):
        service.send_message(m.staff_a if number % 2 else m.customer_a, thread.id, f"note {number}")
    return thread


def _message_texts(html: str) -> list[str]:
    return re.findall(r'<div class="message__body">([^<]*)</div>', html)


def test_the_new_divider_stands_before_the_first_unread_message_and_marks_read(customer_client, service, marketplace):
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Divider")
    service.mark_conversation_read(m.customer_a, thread.id)
    service.send_message(m.customer_a, thread.id, "my question")
    service.send_message(m.staff_a, thread.id, "first answer")
    service.send_message(m.customer_a, thread.id, "my follow-up")  # mine: never unread for me
    service.send_message(m.staff_a, thread.id, "second answer")
    html = text_of(customer_client.get(f"/shop/account/messages/{thread.id}"))
    after_divider = html.split('id="first-unread"', 1)[1]
    assert _message_texts(after_divider) == ["first answer", "my follow-up", "second answer"]
    # Read now: opening again lands at the newest message, without a divider.
    html = text_of(customer_client.get(f"/shop/account/messages/{thread.id}", headers=HTMX))
    assert 'id="first-unread"' not in html and 'id="latest"' in html


def test_list_links_open_at_the_first_unread_or_at_the_latest(customer_client, service, marketplace, threads):
    html = text_of(customer_client.get("/shop/account/messages"))
    unread_id = threads["vendor_customer"].id
    assert f'href="/shop/account/messages/{unread_id}#first-unread"' in html
    customer_client.get(f"/shop/account/messages/{unread_id}")
    html = text_of(customer_client.get("/shop/account/messages"))
    assert f'href="/shop/account/messages/{unread_id}#latest"' in html


def test_earlier_messages_reach_the_first_message_page_by_page(vendor_client, service, marketplace):
    thread = _long_thread(service, marketplace, 230)
    html = text_of(vendor_client.get(f"/vendor/messages/{thread.id}"))
    assert len(_message_texts(html)) == 100 and "Earlier messages" in html
    seen = _message_texts(html)
    url = re.search(r'hx-get="([^"]*/earlier\?before=\d+)"', html).group(1).replace("&amp;", "&")
    pages = 0
    while url:
        response = vendor_client.get(url, headers=HTMX)
        assert response.status_code == 200 and not is_full_page(response)
        fragment = text_of(response)
        seen = _message_texts(fragment) + seen
        pages += 1
        found = re.search(r'hx-get="([^"]*/earlier\?before=\d+)"', fragment)
        url = found and found.group(1).replace("&amp;", "&")
    assert pages == 2
    assert seen == ["First message"] + [f"note {n}" for n in range(2, 231)]


def test_earlier_messages_without_javascript_is_a_page_with_a_way_back(vendor_client, service, marketplace):
    thread = _long_thread(service, marketplace, 130)
    html = text_of(vendor_client.get(f"/vendor/messages/{thread.id}"))
    href = re.search(r'<a class="button[^"]*" href="([^"]*\?before=\d+)"', html).group(1)
    older = vendor_client.get(href)
    assert is_full_page(older)
    older_html = text_of(older)
    assert _message_texts(older_html)[0] == "First message" and len(_message_texts(older_html)) == 30
    assert "Back to the latest messages" in older_html
    assert 'id="thread-poller"' not in older_html  # an older page must not fill up with the newest messages
    # A fragment request for /earlier from a plain browser is sent to that page.
    assert vendor_client.get(f"/vendor/messages/{thread.id}/earlier?before=5").status_code == 302


def test_earlier_pages_take_the_same_queries_whatever_their_length(vendor_client, service, marketplace, count_queries):
    thread = _long_thread(service, marketplace, 230)
    ids = [m.id for m in service.get_conversation(marketplace.staff_a, thread.id).messages]

    def queries(before: int) -> int:
        vendor_client.get(f"/vendor/messages/{thread.id}/earlier?before={before}", headers=HTMX)  # warm
        with count_queries() as counter:
            response = vendor_client.get(f"/vendor/messages/{thread.id}/earlier?before={before}", headers=HTMX)
        assert response.status_code == 200
        return counter.count, len(_message_texts(text_of(response)))

    few, shown_few = queries(ids[0] - 120)
    full, shown_full = queries(ids[0])
    assert (shown_few, shown_full) == (10, 100)
    assert few == full


def test_day_separators_name_today_yesterday_and_older_dates(vendor_client, service, marketplace):
    thread = _long_thread(service, marketplace, 6)
    now = utcnow()
    messages = service.get_conversation(marketplace.staff_a, thread.id).messages
    moments = [now - timedelta(days=400), now - timedelta(days=400), now - timedelta(days=1),
               now - timedelta(days=1), now, now]
    for message, moment in zip(messages, moments):
        db.session.execute(update(Message).where(Message.id == message.id).values(created_at=moment))
    db.session.commit()
    html = text_of(vendor_client.get(f"/vendor/messages/{thread.id}"))
    labels = re.findall(r'class="divider divider--day"[^>]*><span>([^<]+)</span>', html)
    assert labels == [(now - timedelta(days=400)).strftime("%-d %B %Y"), "Yesterday", "Today"]
    # The exact time stays on hover.
    assert re.search(r'<time datetime="[^"]+" title="\d+ \w+ \d{4}, \d\d:\d\d UTC"', html)
