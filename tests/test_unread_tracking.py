"""Unread counts and the header badge stay exact through interleaved sends and reads."""
from messaging.models import ConversationType
from messaging.services.conversations import ListFilters
from tests.factories import start


def unread_in(service, principal, conversation_id):
    return service.get_conversation(principal, conversation_id).unread_count


def test_interleaved_sends_and_reads_by_several_participants(service, marketplace):
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, text="1 from Sara")
    assert unread_in(service, m.customer_a, thread.id) == 1
    assert unread_in(service, m.staff_a, thread.id) == 0

    service.send_message(m.customer_a, thread.id, "2 from Cora")
    service.send_message(m.customer_a, thread.id, "3 from Cora")
    assert unread_in(service, m.staff_a, thread.id) == 2
    assert unread_in(service, m.customer_a, thread.id) == 1  # her own messages never count

    service.send_message(m.staff_a2, thread.id, "4 from Sven (joins)")
    assert unread_in(service, m.staff_a, thread.id) == 3
    assert unread_in(service, m.customer_a, thread.id) == 2
    assert unread_in(service, m.staff_a2, thread.id) == 0

    assert service.mark_conversation_read(m.customer_a, thread.id) is True
    assert service.mark_conversation_read(m.customer_a, thread.id) is False
    service.send_message(m.staff_a, thread.id, "5 from Sara")
    assert unread_in(service, m.customer_a, thread.id) == 1
    assert unread_in(service, m.staff_a2, thread.id) == 1
    assert unread_in(service, m.staff_a, thread.id) == 3

    service.mark_conversation_read(m.staff_a, thread.id)
    service.send_message(m.customer_a, thread.id, "6 from Cora")
    assert [unread_in(service, p, thread.id) for p in (m.staff_a, m.staff_a2, m.customer_a)] == [1, 2, 1]
    assert service.get_conversation(m.staff_a, thread.id).message_count == 6


def test_badge_sums_unread_over_conversations_in_scope(service, marketplace):
    m = marketplace
    first = start(service, m.admin, ConversationType.ADMIN_VENDOR, m.multi_in_a, subject="A stuff")
    second = start(service, m.admin, ConversationType.ADMIN_VENDOR, m.multi_in_b, subject="B stuff")
    service.send_message(m.admin, first.id, "more for A")
    service.send_message(m.admin, second.id, "more for B")
    service.send_message(m.admin, second.id, "even more for B")
    # The same person, acting for one vendor at a time, sees only that vendor's unread.
    assert service.get_unread_count(m.multi_in_a) == 2
    assert service.get_unread_count(m.multi_in_b) == 3
    assert service.get_unread_count(m.admin) == 0
    service.mark_conversation_read(m.multi_in_b, second.id)
    assert service.get_unread_count(m.multi_in_b) == 0
    assert service.get_unread_count(m.multi_in_a) == 2


def test_team_members_who_are_not_participants_have_nothing_unread(service, marketplace):
    m = marketplace
    thread = start(service, m.admin, ConversationType.ADMIN_CUSTOMER, m.customer_a)
    service.send_message(m.customer_a, thread.id, "reply")
    assert service.get_unread_count(m.admin) == 1
    assert service.get_unread_count(m.admin2) == 0
    assert unread_in(service, m.admin2, thread.id) == 0
    assert service.mark_conversation_read(m.admin2, thread.id) is False


def test_unread_filter_and_activity_order(service, marketplace):
    m = marketplace
    older = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, subject="Older")
    newer = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a2, subject="Newer")
    listing = service.list_conversations(m.staff_a)
    assert [c.subject for c in listing.items] == ["Newer", "Older"]
    service.send_message(m.customer_a, older.id, "bump")
    listing = service.list_conversations(m.staff_a)
    assert [c.subject for c in listing.items] == ["Older", "Newer"]
    assert listing.items[0].last_message_preview == "bump"
    unread_only = service.list_conversations(m.staff_a, ListFilters(unread_only=True))
    assert [c.subject for c in unread_only.items] == ["Older"]
    assert unread_only.items[0].unread_count == 1
    assert service.list_conversations(m.staff_a2, ListFilters(unread_only=True)).total == 0
    assert newer.unread_count == 0


def test_close_and_reopen_notes_are_neither_unread_nor_the_preview(service, marketplace):
    """Decisions §7: system notes never count as unread and never become the list preview."""
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, text="Your parcel left")
    service.mark_conversation_read(m.customer_a, thread.id)
    closed = service.close_conversation(m.staff_a, thread.id)
    assert closed.messages[-1].is_system_message and closed.messages[-1].content == "Closed by Sara A"
    service.reopen_conversation(m.staff_a, thread.id)
    assert unread_in(service, m.customer_a, thread.id) == 0
    assert service.get_unread_count(m.customer_a) == 0
    listed = service.list_conversations(m.customer_a).items[0]
    assert listed.last_message_preview == "Your parcel left"
    assert listed.message_count == 3
