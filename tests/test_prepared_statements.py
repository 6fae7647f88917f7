"""Statements compiled once (messaging/prepared_statements.py) keep what is fixed in their text."""
from sqlalchemy import select

from messaging.extensions import db
from messaging.models import ConversationParticipant, ParticipantType
from messaging.prepared_statements import PreparedSelect, parameter


def test_fixed_values_are_written_into_the_statement_and_only_the_rest_is_a_parameter(app, marketplace):
    # A role left as a parameter let PostgreSQL settle on one plan for every role once the driver
    # prepared the statement; written in, each role's statement is planned for that role.
    unread_of_admins = PreparedSelect(lambda: select(ConversationParticipant.id).where(
        ConversationParticipant.participant_type == ParticipantType.ADMIN,
        ConversationParticipant.participant_id == parameter("principal_id"),
        ConversationParticipant.unread_count > 0,
    ))
    assert unread_of_admins.execute(db.session, principal_id=marketplace.admin.id).all() == []
    sql = unread_of_admins._compiled_for(db.engine.dialect).sql
    assert "'admin'" in sql and "> 0" in sql
    assert sql.count("?") + sql.count("%(") == 1
