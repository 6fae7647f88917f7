"""Statements compiled once (messaging/prepared_statements.py) keep what is fixed in their text."""
import re
import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import column, insert, literal_column, select, table, text, type_coerce
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from messaging import prepared_statements
from messaging.extensions import db
from messaging.models import ConversationParticipant, Message, ParticipantType
from messaging.prepared_statements import PreparedStatement, parameter, with_fixed_values_inline
from messaging.services.conversations.commands import _post_in_one_statement


def test_fixed_values_are_written_into_the_statement_and_only_the_rest_is_a_parameter(app, marketplace):
    # A role left as a parameter let PostgreSQL settle on one plan for every role once the driver
    # prepared the statement; written in, each role's statement is planned for that role.
    unread_of_admins = PreparedStatement(lambda: select(ConversationParticipant.id).where(
        ConversationParticipant.participant_type == ParticipantType.ADMIN,
        ConversationParticipant.participant_id == parameter("principal_id"),
        ConversationParticipant.unread_count > 0,
    ))
    assert unread_of_admins.rows(db.session, principal_id=marketplace.admin.id) == []
    sql = unread_of_admins._compiled_for(db.engine.dialect).sql
    assert "'admin'" in sql and "> 0" in sql
    # One placeholder: SQLite's "?", or on PostgreSQL the server's own "$1", which psycopg's
    # RawCursor passes on without parsing the statement again at every call.
    assert len(re.findall(r"\?|%\(|\$\d", sql)) == 1
    assert ("$1" in sql) is (db.engine.dialect.name == "postgresql")


def test_rows_come_back_converted_as_the_orm_would_give_them(app, service, marketplace, threads):
    # The thread and inbox reads render these values directly: a date must be a date on SQLite
    # (which stores text), a role an enum member, a flag a bool.
    conversation = threads["vendor_customer"]
    messages = PreparedStatement(lambda: select(
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
    reading_nothing = PreparedStatement(lambda: select(missing.c.id).where(missing.c.id == parameter("id")))
    with pytest.raises(DBAPIError):
        reading_nothing.rows(db.session, id=1)


def test_values_written_are_stored_as_the_orm_stores_them(app, service, marketplace, threads):
    # SQLite keeps dates as text and compares them as text: a date written without SQLAlchemy's
    # conversion ("…12:00:00" instead of "…12:00:00.000000") would sort before the same moment.
    conversation = threads["vendor_customer"]
    moment = datetime(2026, 11, 26, 12, 0, 0)
    by_orm = Message(conversation_id=conversation.id, sender_type=ParticipantType.VENDOR,
                     sender_id=marketplace.staff_a.id, content="orm", is_system_message=False, created_at=moment)
    db.session.add(by_orm)
    db.session.flush()
    messages = Message.__table__
    writing = PreparedStatement(lambda: insert(messages).values(
        conversation_id=parameter("in_conversation"), sender_type=parameter("by_type"), sender_id=parameter("by_id"),
        content=parameter("text"), is_system_message=parameter("system"), created_at=parameter("at"),
    ).returning(messages.c.id))
    written_id = writing.scalar(db.session, in_conversation=conversation.id, by_type=ParticipantType.VENDOR,
                                by_id=marketplace.staff_a.id, text="prepared", system=False, at=moment)
    stored = db.session.execute(
        text("SELECT id, sender_type, is_system_message, created_at FROM messages WHERE id IN (:a, :b) ORDER BY id"),
        {"a": by_orm.id, "b": written_id},
    ).all()
    assert [tuple(row[1:]) for row in stored] == [tuple(stored[0][1:])] * 2


def test_an_enum_column_converts_what_it_knows_and_refuses_what_it_does_not(app, marketplace):
    # Each stored value is converted once and looked up afterwards; a value the type does not
    # know is still refused as the ORM refuses it, never passed on as a bare string.
    def stored(value: str) -> PreparedStatement:
        return PreparedStatement(lambda: select(
            type_coerce(literal_column(f"'{value}'"), Message.sender_type.type).label("sender_type")))

    assert stored("vendor").rows(db.session) == [(ParticipantType.VENDOR,)]
    assert stored("customer").scalar(db.session) == "customer"  # scalar() gives the driver's value
    with pytest.raises(LookupError):
        stored("robot").rows(db.session)


def test_a_statement_first_used_by_several_threads_at_once_is_compiled_once(monkeypatch):
    """The threads of a gthread worker meet a statement's first use together (the first sends after
    a restart). Compiled by four at once, PostgreSQL's one-statement send came out broken for every
    later send of that worker; one thread compiles, the others wait for its result."""
    compiles = []
    compile_for_real = prepared_statements._compile

    def slow_compile(statement, dialect):
        compiles.append(threading.get_ident())
        time.sleep(0.05)  # time for every thread to arrive meanwhile
        return compile_for_real(statement, dialect)

    monkeypatch.setattr(prepared_statements, "_compile", slow_compile)
    send = PreparedStatement(lambda: with_fixed_values_inline(_post_in_one_statement(ParticipantType.VENDOR)))
    dialect = postgresql.psycopg.dialect()
    start_together = threading.Barrier(4)
    compiled = []

    def first_use():
        start_together.wait()
        compiled.append(send._compiled_for(dialect))

    threads = [threading.Thread(target=first_use) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(compiles) == 1
    assert len(compiled) == 4 and all(each is compiled[0] for each in compiled)
    assert "INSERT INTO messages" in compiled[0].sql
