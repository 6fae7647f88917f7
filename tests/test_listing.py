"""Listing filters, search, pagination, and the constant number of queries per request."""
import pytest

from messaging.models import ConversationStatus, ConversationType
from messaging.services.conversations import ListFilters
from messaging.services.errors import InvalidInput
from tests.factories import start, upload
from tests.sample_files import PNG


@pytest.fixture
def many(service, marketplace):
    def make(count: int):
        for number in range(count):
            recipient = marketplace.customer_a if number % 2 else marketplace.customer_a2
            thread = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, recipient, subject=f"Order {number}")
            service.send_message(recipient, thread.id, "reply with question")
    return make


def test_filters_by_status_type_and_search(service, marketplace):
    m = marketplace
    fees = start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_a, subject="Fees 100% sure")
    start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, subject="Delivery")
    service.close_conversation(m.admin, fees.id)

    def subjects(**filters):
        return [c.subject for c in service.list_conversations(m.staff_a, ListFilters(**filters)).items]

    assert subjects(status=ConversationStatus.CLOSED) == ["Fees 100% sure"]
    assert subjects(status=ConversationStatus.OPEN) == ["Delivery"]
    assert subjects(conversation_type=ConversationType.ADMIN_VENDOR) == ["Fees 100% sure"]
    assert subjects(conversation_type=ConversationType.ADMIN_CUSTOMER) == []
    assert subjects(search="deliv") == ["Delivery"]
    assert subjects(search="cora") == ["Delivery"]  # participant name
    assert subjects(search="ada admin") == ["Fees 100% sure"]
    assert subjects(search="100%") == ["Fees 100% sure"]
    assert subjects(search="_") == []  # LIKE wildcards are taken literally


def test_pagination(service, marketplace, many):
    many(5)
    page = service.list_conversations(marketplace.staff_a, ListFilters(page=2, per_page=2))
    assert (page.total, page.pages, page.page) == (5, 3, 2)
    assert [c.subject for c in page.items] == ["Order 2", "Order 1"]
    assert service.list_conversations(marketplace.staff_a, ListFilters(page=9, per_page=2)).items == []


def test_a_long_list_counts_only_so_far_and_says_there_are_more(service, marketplace, many, monkeypatch, client):
    from messaging.services.conversations import queries

    monkeypatch.setattr(queries, "TOTAL_COUNTED_UP_TO", 4)
    many(9)
    first = service.list_conversations(marketplace.staff_a, ListFilters(page=1, per_page=1))
    # Five pages past the first are counted (6), not all nine conversations.
    assert (first.total, first.total_is_exact, first.pages) == (6, False, 6)
    sixth = service.list_conversations(marketplace.staff_a, ListFilters(page=6, per_page=1))
    assert (sixth.total, sixth.total_is_exact) == (9, True)  # counting from page 6 reaches the end
    exact = service.list_conversations(marketplace.staff_a, ListFilters(per_page=20))
    assert (exact.total, exact.total_is_exact) == (9, True)

    from tests.factories import PASSWORD
    client.post("/login", data={"email": "staff@a.example", "password": PASSWORD})
    page = client.get("/vendor/messages?per_page=1").get_data(as_text=True)
    assert "Page 1 of 6" in page and "or more" in page and ">Older<" in page


@pytest.mark.parametrize("filters", [dict(page=0), dict(per_page=0), dict(per_page=101), dict(search="x" * 201)])
def test_invalid_paging_is_refused(service, marketplace, filters):
    with pytest.raises(InvalidInput):
        service.list_conversations(marketplace.staff_a, ListFilters(**filters))


def test_listing_costs_the_same_queries_for_20_or_100_conversations(service, marketplace, many, count_queries):
    many(100)
    with count_queries() as twenty:
        page = service.list_conversations(marketplace.staff_a, ListFilters(per_page=20))
    assert len(page.items) == 20
    with count_queries() as hundred:
        page = service.list_conversations(marketplace.staff_a, ListFilters(per_page=100))
    assert len(page.items) == 100
    assert {p.name for c in page.items for p in c.participants} == {"Sara A", "Cora Customer", "Cid Customer"}
    assert twenty.count == hundred.count


def test_opening_a_thread_costs_the_same_queries_whatever_its_length(service, marketplace, count_queries):
    m = marketplace
    short = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, subject="Short")
    long = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a2, subject="Long")
    for number in range(60):
        sender = (m.staff_a, m.staff_a2, m.customer_a2)[number % 3]
        files = [upload(f"p{number}.png", PNG)] if number % 10 == 0 else []
        service.send_message(sender, long.id, f"message {number}", files)
    with count_queries() as short_thread:
        service.get_conversation(m.staff_a, short.id)
    with count_queries() as long_thread:
        detail = service.get_conversation(m.staff_a, long.id)
    assert len(detail.messages) == 61
    assert sum(len(message.attachments) for message in detail.messages) == 6
    assert short_thread.count == long_thread.count


def test_long_threads_page_back_with_before(service, marketplace):
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, text="message 0")
    for number in range(1, 130):
        service.send_message(m.staff_a, thread.id, f"message {number}")
    latest = service.get_conversation(m.customer_a, thread.id)
    assert len(latest.messages) == 100 and latest.has_more_messages
    assert latest.messages[0].content == "message 30" and latest.messages[-1].content == "message 129"
    earlier = service.get_conversation(m.customer_a, thread.id, before_message_id=latest.messages[0].id)
    assert [msg.content for msg in earlier.messages] == [f"message {n}" for n in range(30)]
    assert not earlier.has_more_messages
    # Its participants come with its messages; a page before the first message still names them.
    assert earlier.participants == latest.participants and len(latest.participants) == 2
    before_the_first = service.get_conversation(m.customer_a, thread.id, before_message_id=earlier.messages[0].id)
    assert before_the_first.messages == [] and before_the_first.participants == latest.participants
