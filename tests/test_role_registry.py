"""The role registry's promises hold against real data.

``own_rows_always_in_scope`` (and ``own_rows_in_scope_by_vendor``, by the shop each row carries)
lets the badge sum a principal's participant rows without joining their conversations. That is only right while every such row lies inside the role's
scope; the day a role's scope narrows (or a new channel reaches it) without the flag being
cleared, the badge would over-count silently. These tests fail first.
"""
from sqlalchemy import func, select

from messaging.extensions import db
from messaging.models import Conversation, ConversationType
from messaging.policy import own_row_join, scope_clause
from messaging.roles import ROLES, policy_for
from messaging.services.conversations.scope import OWN_ROW
from tests.factories import start


def build_every_channel(service, m):
    """Conversations of every channel, for both shops, each answered so everyone holds rows and unread."""
    threads = [
        start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_a),
        start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_b),
        start(service, m.admin, ConversationType.ADMIN_VENDOR, m.multi_in_b),
        start(service, m.admin, ConversationType.ADMIN_CUSTOMER, m.customer_a),
        start(service, m.admin2, ConversationType.ADMIN_CUSTOMER, m.customer_b),
        start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a),
        start(service, m.multi_in_b, ConversationType.VENDOR_CUSTOMER, m.customer_b),
    ]
    # decisions §7: shop–customer conversations that admins reach only by escalation. One stays
    # escalated, one is resolved after admins took part, one was resolved before anyone else joined.
    escalated, resolved, resolved_early = (
        start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a2),
        start(service, m.staff_b, ConversationType.VENDOR_CUSTOMER, m.customer_b),
        start(service, m.staff_a2, ConversationType.VENDOR_CUSTOMER, m.customer_a),
    )
    service.escalate(m.staff_a, escalated.id, "Please step in")
    service.escalate(m.customer_b, resolved.id, "Please step in")
    service.escalate(m.customer_a, resolved_early.id, "Please step in")
    service.resolve(m.admin, resolved_early.id)
    threads += [escalated, resolved, resolved_early]
    for thread in threads:
        for principal in (m.admin2, m.staff_a2, m.multi_in_a, m.customer_a2):
            try:
                service.send_message(principal, thread.id, "me too")
            except Exception:  # out of their scope: they cannot take part, which is the point
                pass
    service.resolve(m.admin2, resolved.id)
    # The admins now hold rows in shop–customer conversations, resolved ones included: the case to check.
    took_part = service.get_conversation(m.admin2, resolved.id).participants
    assert any(p.type == m.admin2.type and p.id == m.admin2.id for p in took_part)
    for thread in threads:  # everyone answers once more, so rows of the resolved cases hold unread too
        for principal in (m.staff_a, m.staff_b, m.customer_a, m.customer_b):
            try:
                service.send_message(principal, thread.id, "and again")
            except Exception:  # out of their scope
                pass
    return threads


def rows_of(principal, *, in_scope: bool) -> tuple[int, int]:
    """(row count, unread sum) of the principal's own rows, all of them or only those in scope."""
    query = select(func.count(OWN_ROW.id), func.coalesce(func.sum(OWN_ROW.unread_count), 0)).where(
        OWN_ROW.participant_type == principal.type, OWN_ROW.participant_id == principal.id
    )
    if in_scope:
        query = query.join(Conversation, own_row_join(principal, OWN_ROW)).where(scope_clause(principal, OWN_ROW))
    return tuple(db.session.execute(query).one())


def test_roles_that_skip_the_scope_join_never_hold_a_row_outside_their_scope(service, marketplace):
    build_every_channel(service, marketplace)
    m = marketplace
    everyone = [m.admin, m.admin2, m.staff_a, m.staff_a2, m.staff_b, m.multi_in_a, m.multi_in_b,
                m.customer_a, m.customer_a2, m.customer_b]
    checked = set()
    for principal in everyone:
        if policy_for(principal).own_rows_always_in_scope:
            assert rows_of(principal, in_scope=False) == rows_of(principal, in_scope=True), principal
            assert service.get_unread_count(principal) == rows_of(principal, in_scope=True)[1]
            checked.add(principal.type)
    assert checked == {role.type for role in ROLES if role.policy.own_rows_always_in_scope}


def test_vendor_staff_of_two_shops_count_only_the_shop_they_act_for(service, marketplace):
    """The flag is off for vendor staff for a reason: a user of two shops holds rows of both. Their
    badge sums the rows of the shop they act for, by the shop each row carries."""
    build_every_channel(service, marketplace)
    acting_for_a = marketplace.multi_in_a
    assert not policy_for(acting_for_a).own_rows_always_in_scope
    everywhere, in_scope = rows_of(acting_for_a, in_scope=False), rows_of(acting_for_a, in_scope=True)
    assert everywhere[0] > in_scope[0]
    assert service.get_unread_count(acting_for_a) == in_scope[1]


def test_roles_counting_by_the_rows_shop_hold_rows_only_in_their_shops_conversations(service, marketplace):
    build_every_channel(service, marketplace)
    m = marketplace
    # Every row, whichever way it was made (a conversation started, a case escalated, a member joining
    # by answering), carries its conversation's shop.
    mismatched = db.session.execute(
        select(OWN_ROW.id).join(Conversation, Conversation.id == OWN_ROW.conversation_id)
        .where(OWN_ROW.vendor_id.is_distinct_from(Conversation.vendor_id))
    ).all()
    assert mismatched == []
    checked = set()
    for principal in (m.staff_a, m.staff_a2, m.staff_b, m.multi_in_a, m.multi_in_b):
        if policy_for(principal).own_rows_in_scope_by_vendor:
            by_shop = db.session.execute(
                select(func.count(OWN_ROW.id), func.coalesce(func.sum(OWN_ROW.unread_count), 0)).where(
                    OWN_ROW.participant_type == principal.type, OWN_ROW.participant_id == principal.id,
                    OWN_ROW.vendor_id == principal.vendor_id)
            ).one()
            assert tuple(by_shop) == rows_of(principal, in_scope=True), principal
            assert service.get_unread_count(principal) == by_shop[1]
            checked.add(principal.type)
    assert checked == {role.type for role in ROLES if role.policy.own_rows_in_scope_by_vendor}


def test_every_role_is_registered_once_for_each_front_end(app):
    assert len({role.type for role in ROLES}) == len({role.surface for role in ROLES}) == len(ROLES)
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    for role in ROLES:
        assert f"/api/v1/{role.surface}/messages" in rules
        assert role.pages.url_prefix in rules
