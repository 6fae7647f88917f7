"""The audiences of a conversation's event, worked out in SQL (PostgreSQL's one-statement send records
its events itself) and in Python (every other write): the same keys for every case."""
from datetime import datetime
from itertools import product

import pytest
from sqlalchemy import DateTime, Integer, literal, select, union_all

from messaging.extensions import db
from messaging.live.audiences import conversation_audiences, conversation_audiences_in_sql
from messaging.models import Conversation, ConversationParticipant, ConversationType, ParticipantType

_KIND = Conversation.__table__.c.conversation_type.type
_PARTICIPANT_TYPE = ConversationParticipant.__table__.c.participant_type.type
SOMETIME = datetime(2026, 11, 1, 12, 0)

PEOPLE = [
    [],
    [(ParticipantType.VENDOR, 7)],
    [(ParticipantType.CUSTOMER, 40), (ParticipantType.VENDOR, 7), (ParticipantType.VENDOR, 8)],
    [(ParticipantType.ADMIN, 2), (ParticipantType.VENDOR, 7)],
    [(ParticipantType.ADMIN, 2), (ParticipantType.ADMIN, 3), (ParticipantType.CUSTOMER, 40)],
]
ESCALATION = [(None, None), (SOMETIME, None), (SOMETIME, SOMETIME)]  # never, escalated, resolved


def audiences_from_sql(kind: ConversationType, vendor_id, escalated_at, resolved_at, people) -> set[str]:
    conversation = select(
        literal(kind, _KIND).label("conversation_type"), literal(vendor_id, Integer).label("vendor_id"),
        literal(escalated_at, DateTime).label("escalated_at"), literal(resolved_at, DateTime).label("resolved_at"),
    ).subquery("conversation")
    rows = [select(literal(participant_type, _PARTICIPANT_TYPE).label("participant_type"),
                   literal(participant_id, Integer).label("participant_id"))
            for participant_type, participant_id in people]
    if not rows:  # nobody: a SELECT of no rows
        rows = [select(literal(ParticipantType.ADMIN, _PARTICIPANT_TYPE).label("participant_type"),
                       literal(0, Integer).label("participant_id")).where(literal(1) == 0)]
    people_rows = (union_all(*rows) if len(rows) > 1 else rows[0]).subquery("people")
    found = db.session.scalars(conversation_audiences_in_sql(conversation, people_rows)).all()
    assert len(found) == len(set(found)), f"each audience once: {found}"
    return set(found)


@pytest.mark.parametrize("kind", list(ConversationType))
def test_sql_and_python_name_the_same_audiences(app, kind):
    for vendor_id, (escalated_at, resolved_at), people in product([5, None], ESCALATION, PEOPLE):
        escalated = escalated_at is not None and resolved_at is None
        expected = set(conversation_audiences(kind, vendor_id, people, escalated))
        assert audiences_from_sql(kind, vendor_id, escalated_at, resolved_at, people) == expected, (
            vendor_id, escalated_at, resolved_at, people)


def test_an_escalated_vendor_customer_conversation_reaches_every_admin_and_its_shop():
    """A case spelled out, so that the rule itself is pinned, not only the two agreeing."""
    keys = conversation_audiences(ConversationType.VENDOR_CUSTOMER, 5,
                                  [(ParticipantType.CUSTOMER, 40), (ParticipantType.VENDOR, 7)], escalated=True)
    assert sorted(keys) == ["admin", "customer:40@5", "vendor@5"]
