"""Statements compiled once (messaging/prepared_statements.py) keep what is fixed in their text."""
from datetime import datetime

import pytest
from sqlalchemy import column, select, table
from sqlalchemy.exc import DBAPIError

from messaging.extensions import db
from messaging.models import ConversationParticipant, Message, ParticipantType
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


def test_rows_come_back_converted_as_the_orm_would_give_them(app, service, marketplace, threads):
    # The thread and inbox reads render these values directly: a date must be a date on SQLite
    # (which stores text), a role an enum member, a flag a bool.
    conversation = threads["vendor_customer"]
    messages = PreparedSelect(lambda: select(
        Message.id, Message.sender_type, Message.is_system_message, Message.created_at,
    ).where(Message.conversation_id == parameter("conversation_id")).order_by(Message.id))
    rows = messages.rows(db.session, conversation_id=conversation.id)
    expected = db.session.execute(
        select(Message.id, Message.sender_type, Message.is_system_message, Message.created_at)
        .where(Message.conversation_id == conversation.id).order_by(Message.id)
    ).all()
    assert rows == [tuple(row) for row in expected] and rows
    first = rows[0]
    assert isinstance(first.created_at, datetime)
    assert isinstance(first.sender_type, ParticipantType)
    assert first.is_system_message is False


def test_a_driver_error_reaches_the_app_as_sqlalchemys_error(app, marketplace):
    # The pages answer "database unavailable" to SQLAlchemy's DBAPIError; a raw driver error would be a 500.
    missing = table("no_such_table", column("id"))
    reading_nothing = PreparedSelect(lambda: select(missing.c.id).where(missing.c.id == parameter("id")))
    with pytest.raises(DBAPIError):
        reading_nothing.rows(db.session, id=1)
