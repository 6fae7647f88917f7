"""The caller's own row looked up per listed conversation (messaging/row_lookup_join.py)."""
from sqlalchemy.dialects import postgresql, sqlite

from messaging.models import ConversationType, ParticipantType
from messaging.services.conversations import ListFilters
from messaging.services.conversations.scope import caller_of, scoped_select
from tests.factories import start


def test_postgresql_looks_the_own_row_up_laterally_and_other_databases_join_it():
    query = scoped_select(caller_of(ParticipantType.VENDOR), own_row_by_lookup=True)
    on_postgresql = str(query.compile(dialect=postgresql.dialect()))
    assert ("FROM conversations LEFT OUTER JOIN LATERAL (SELECT * FROM conversation_participants AS own_row "
            "WHERE own_row.conversation_id = conversations.id") in on_postgresql
    assert "LIMIT 1) AS own_row ON true LEFT OUTER JOIN vendors" in on_postgresql
    on_sqlite = str(query.compile(dialect=sqlite.dialect()))
    assert ("FROM conversations LEFT OUTER JOIN conversation_participants AS own_row "
            "ON own_row.conversation_id = conversations.id") in on_sqlite
    assert "LATERAL" not in on_sqlite


def test_first_pages_later_pages_and_the_unread_list_agree_on_each_own_row(service, marketplace):
    """The first page and later pages look the own row up; the unread list joins it. A teammate who
    never took part has no own row: nothing unread for them, and the conversation is still listed."""
    m = marketplace
    for number in range(3):
        thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, f"Order {number}")
        for _ in range(number + 1):
            service.send_message(m.customer_a, thread.id, "any news?")

    def unread(principal, **filters):
        return {c.subject: c.unread_count for c in service.list_conversations(principal, ListFilters(**filters)).items}

    first_page = unread(m.staff_a, per_page=2)
    second_page = unread(m.staff_a, per_page=2, page=2)
    unread_only = unread(m.staff_a, unread_only=True)
    assert first_page | second_page == unread(m.staff_a)
    assert {subject: count for subject, count in (first_page | second_page).items() if count} == unread_only
    assert unread_only == {"Order 0": 1, "Order 1": 2, "Order 2": 3}
    teammate = unread(m.staff_a2)
    assert {"Order 0", "Order 1", "Order 2"} <= set(teammate)
    assert set(teammate.values()) == {0}
