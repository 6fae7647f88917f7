"""Who sees what, who may do what (decisions §2), enforced by the service itself."""
import pytest
from sqlalchemy import select

from messaging.extensions import db
from messaging.models import Conversation, ConversationType, ParticipantType
from messaging.services.conversations import ListFilters
from messaging.services.errors import ConversationClosed, InvalidInput, NotAllowed, NotFound
from tests.factories import start


@pytest.fixture
def threads_of_both_shops(service, marketplace):
    m = marketplace
    return {
        "admin_to_a": start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_a, "Fees for A"),
        "admin_to_b": start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_b, "Fees for B"),
        "a_to_customer": start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Your order"),
        "a_to_customer2": start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a2, "Other order"),
        "b_to_customer": start(service, m.staff_b, ConversationType.VENDOR_CUSTOMER, m.customer_b, "Order at B"),
        "admin_to_customer": start(service, m.admin, ConversationType.ADMIN_CUSTOMER, m.customer_a, "Verify"),
    }


def visible_subjects(service, principal):
    return {item.subject for item in service.list_conversations(principal, ListFilters(per_page=100)).items}


def test_admins_share_the_platform_team_inbox(service, marketplace, threads_of_both_shops):
    expected = {"Fees for A", "Fees for B", "Verify"}
    assert visible_subjects(service, marketplace.admin) == expected
    assert visible_subjects(service, marketplace.admin2) == expected


def test_vendor_staff_see_only_their_vendor(service, marketplace, threads_of_both_shops):
    expected_a = {"Fees for A", "Your order", "Other order"}
    assert visible_subjects(service, marketplace.staff_a) == expected_a
    assert visible_subjects(service, marketplace.staff_a2) == expected_a
    assert visible_subjects(service, marketplace.staff_b) == {"Fees for B", "Order at B"}


def test_vendor_user_of_two_vendors_sees_the_one_they_act_for(service, marketplace, threads_of_both_shops):
    assert visible_subjects(service, marketplace.multi_in_a) == {"Fees for A", "Your order", "Other order"}
    assert visible_subjects(service, marketplace.multi_in_b) == {"Fees for B", "Order at B"}


def test_customers_see_only_their_own_conversations(service, marketplace, threads_of_both_shops):
    assert visible_subjects(service, marketplace.customer_a) == {"Your order", "Verify"}
    assert visible_subjects(service, marketplace.customer_a2) == {"Other order"}
    assert visible_subjects(service, marketplace.customer_b) == {"Order at B"}


@pytest.mark.parametrize(
    "who, thread",
    [
        ("staff_b", "admin_to_a"),
        ("staff_b", "a_to_customer"),
        ("staff_a", "admin_to_customer"),
        ("multi_in_b", "a_to_customer"),
        ("customer_a2", "a_to_customer"),
        ("customer_b", "a_to_customer"),
        ("customer_a", "admin_to_a"),
        ("admin", "a_to_customer"),
    ],
)
def test_out_of_scope_conversations_do_not_exist(service, marketplace, threads_of_both_shops, who, thread):
    principal = getattr(marketplace, who)
    conversation_id = threads_of_both_shops[thread].id
    with pytest.raises(NotFound) as not_found:
        service.get_conversation(principal, conversation_id)
    with pytest.raises(NotFound) as missing:
        service.get_conversation(principal, 999_999)
    assert str(not_found.value) == str(missing.value)
    counted = select(Conversation.message_count, Conversation.last_message_preview).where(
        Conversation.id == conversation_id)
    before = db.session.execute(counted).one()
    for action in (
        lambda: service.send_message(principal, conversation_id, "sneaky"),
        # Input to refuse still meets the scope first: a 422 would say the conversation exists.
        lambda: service.send_message(principal, conversation_id, ""),
        lambda: service.send_message(principal, conversation_id, "x" * 10_001),
        lambda: service.mark_conversation_read(principal, conversation_id),
        lambda: service.close_conversation(principal, conversation_id),
        lambda: service.reopen_conversation(principal, conversation_id),
        lambda: service.update_preferences(principal, conversation_id, email_notifications=False),
    ):
        with pytest.raises(NotFound):
            action()
    # Read in the same transaction, before any rollback: the send's guarded UPDATE counted nothing.
    assert db.session.execute(counted).one() == before


def test_customer_cannot_create_or_close(service, marketplace, threads_of_both_shops):
    with pytest.raises(NotAllowed):
        start(service, marketplace.customer_a, ConversationType.VENDOR_CUSTOMER, marketplace.staff_a)
    with pytest.raises(NotAllowed):
        service.close_conversation(marketplace.customer_a, threads_of_both_shops["a_to_customer"].id)
    with pytest.raises(NotAllowed):
        service.list_recipients(marketplace.customer_a, ParticipantType.VENDOR)
    assert service.get_conversation(marketplace.customer_a, threads_of_both_shops["a_to_customer"].id).can_close is False


def test_customer_can_reply_on_both_channels(service, marketplace, threads_of_both_shops):
    service.send_message(marketplace.customer_a, threads_of_both_shops["a_to_customer"].id, "Thanks!")
    service.send_message(marketplace.customer_a, threads_of_both_shops["admin_to_customer"].id, "Done.")
    assert service.get_conversation(marketplace.customer_a, threads_of_both_shops["admin_to_customer"].id).message_count == 2


def test_vendor_cannot_initiate_admin_vendor_or_admin_customer(service, marketplace):
    with pytest.raises(NotAllowed):
        start(service, marketplace.staff_a, ConversationType.ADMIN_VENDOR, marketplace.staff_a2)
    with pytest.raises(NotAllowed):
        start(service, marketplace.staff_a, ConversationType.ADMIN_CUSTOMER, marketplace.customer_a)


def test_vendor_cannot_write_to_another_vendors_customer(service, marketplace):
    with pytest.raises(InvalidInput) as refused:
        start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_b)
    assert "recipient_id" in refused.value.fields


def test_admin_cannot_start_vendor_customer(service, marketplace):
    with pytest.raises(NotAllowed):
        start(service, marketplace.admin, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a)


def test_recipient_kind_must_match_conversation_type(service, marketplace):
    with pytest.raises(InvalidInput):
        start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.customer_a)


def test_user_of_several_vendors_needs_a_vendor_choice(service, marketplace):
    with pytest.raises(InvalidInput) as refused:
        service.create_conversation(
            marketplace.admin,
            conversation_type=ConversationType.ADMIN_VENDOR,
            subject="Which shop?",
            recipient_type=ParticipantType.VENDOR,
            recipient_id=marketplace.multi_in_a.id,
            initial_message="Hi",
        )
    assert "vendor_id" in refused.value.fields
    detail = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.multi_in_b)
    assert detail.vendor.id == marketplace.vendor_b.id
    assert detail.id not in {c.id for c in service.list_conversations(marketplace.multi_in_a).items}


def test_conversation_carries_vendor_of_every_channel(service, marketplace, threads_of_both_shops):
    assert threads_of_both_shops["admin_to_a"].vendor.id == marketplace.vendor_a.id
    assert threads_of_both_shops["a_to_customer"].vendor.id == marketplace.vendor_a.id
    assert threads_of_both_shops["admin_to_customer"].vendor.id == marketplace.vendor_a.id


def test_closed_conversation_refuses_messages_until_reopened(service, marketplace, threads_of_both_shops):
    conversation_id = threads_of_both_shops["a_to_customer"].id
    closed = service.close_conversation(marketplace.staff_a2, conversation_id)
    assert closed.status == "closed"
    assert closed.messages[-1].is_system_message
    assert closed.messages[-1].content == "Closed by Sven A"
    for sender in (marketplace.customer_a, marketplace.staff_a):
        with pytest.raises(ConversationClosed):
            service.send_message(sender, conversation_id, "Still there?")
    reopened = service.reopen_conversation(marketplace.staff_a, conversation_id)
    assert reopened.status == "open"
    assert reopened.messages[-1].content == "Reopened by Sara A"
    service.send_message(marketplace.customer_a, conversation_id, "Yes!")


def test_closing_twice_records_one_system_message(service, marketplace, threads_of_both_shops):
    conversation_id = threads_of_both_shops["admin_to_a"].id
    service.close_conversation(marketplace.admin, conversation_id)
    again = service.close_conversation(marketplace.admin2, conversation_id)
    assert [m.content for m in again.messages if m.is_system_message] == ["Closed by Ada Admin"]


def test_team_member_who_replies_joins_as_participant(service, marketplace, threads_of_both_shops):
    conversation_id = threads_of_both_shops["admin_to_a"].id
    service.send_message(marketplace.staff_a2, conversation_id, "I can help with this.")
    detail = service.get_conversation(marketplace.admin, conversation_id)
    names = [p.name for p in detail.participants]
    assert names == ["Ada Admin", "Sara A", "Sven A"]
    assert detail.unread_count == 1


def test_recipients_are_scoped_and_searchable(service, marketplace):
    customers_of_a = service.list_recipients(marketplace.staff_a, ParticipantType.CUSTOMER)
    assert {r.name for r in customers_of_a} == {"Cora Customer", "Cid Customer"}
    with pytest.raises(InvalidInput):
        service.list_recipients(marketplace.staff_a, ParticipantType.VENDOR)
    vendor_staff = service.list_recipients(marketplace.admin, ParticipantType.VENDOR, "multi")
    assert {(r.name, r.vendor.name) for r in vendor_staff} == {("Mo Multi", "Shop A"), ("Mo Multi", "Shop B")}
    all_customers = service.list_recipients(marketplace.admin, ParticipantType.CUSTOMER, "", limit=2)
    assert len(all_customers) == 2


def test_subject_and_message_rules(service, marketplace):
    with pytest.raises(InvalidInput):
        start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a, subject="  ")
    with pytest.raises(InvalidInput):
        start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a, subject="x" * 201)
    with pytest.raises(InvalidInput):
        start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a, text=" \n ")
    with pytest.raises(InvalidInput):
        start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a, text="x" * 10_001)
    ok = start(service, marketplace.admin, ConversationType.ADMIN_VENDOR, marketplace.staff_a, subject="x" * 200, text="y" * 10_000)
    assert len(ok.messages[0].content) == 10_000
