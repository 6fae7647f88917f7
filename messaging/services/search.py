"""Full-text search of conversations: message text, subjects, participant and shop names.

SQLite (the embedded default) uses FTS5: ``message_fts`` indexes message text (external
content over ``messages``), ``conversation_fts`` one document per conversation (its subject,
its participants' names and its shop's name). PostgreSQL uses ``tsvector`` GIN indexes:
an expression index over ``messages.content`` and a ``conversation_search`` table holding the
same per-conversation document. Triggers keep both in step with every write, so the write
path (being refactored elsewhere) needs no change; migration ``0007_message_search``
creates them and fills them from the existing rows, and ``db.create_all()`` (the tests)
gets them through the metadata events at the bottom.

Words match by prefix ("deliv" finds "delivery"), all words must match, case and accents
aside. Scope is the caller's, as for any list: the clause only narrows ``list_conversations``.
"""
import re
from dataclasses import dataclass

from sqlalchemy import bindparam, event, false, func, or_, select, text
from sqlalchemy.orm import Session

from messaging.extensions import db
from messaging.models import Conversation, Message

MAX_TERMS = 8
WORD = re.compile(r"\w+", re.UNICODE)

# ---------------------------------------------------------------- the documents, per database

# The names of a conversation's participants and its shop, in one string.
_PEOPLE_SQL = """
    coalesce((SELECT v.name FROM vendors v WHERE v.id = c.vendor_id), '') || ' ' ||
    coalesce((SELECT group_concat(n, ' ') FROM (
        SELECT u.full_name AS n FROM conversation_participants p JOIN users u ON u.id = p.participant_id
         WHERE p.conversation_id = c.id AND p.participant_type IN ('admin', 'vendor')
        UNION ALL
        SELECT cu.full_name FROM conversation_participants p JOIN customers cu ON cu.id = p.participant_id
         WHERE p.conversation_id = c.id AND p.participant_type = 'customer') AS names), '')
"""


def _sqlite_refresh(conversation_id_sql: str) -> str:
    return (
        f"DELETE FROM conversation_fts WHERE rowid = {conversation_id_sql}; "
        f"INSERT INTO conversation_fts (rowid, subject, people) "
        f"SELECT c.id, c.subject, {_PEOPLE_SQL} FROM conversations c WHERE c.id = {conversation_id_sql};"
    )


SQLITE_UP = [
    "CREATE VIRTUAL TABLE message_fts USING fts5(content, content='messages', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO message_fts (rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO message_fts (message_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF content ON messages BEGIN "
    "INSERT INTO message_fts (message_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO message_fts (rowid, content) VALUES (new.id, new.content); END",
    "CREATE VIRTUAL TABLE conversation_fts USING fts5(subject, people, "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER conversation_fts_insert AFTER INSERT ON conversations BEGIN {_sqlite_refresh('new.id')} END",
    f"CREATE TRIGGER conversation_fts_subject AFTER UPDATE OF subject, vendor_id ON conversations BEGIN "
    f"{_sqlite_refresh('new.id')} END",
    "CREATE TRIGGER conversation_fts_delete AFTER DELETE ON conversations BEGIN "
    "DELETE FROM conversation_fts WHERE rowid = old.id; END",
    f"CREATE TRIGGER conversation_fts_participant AFTER INSERT ON conversation_participants BEGIN "
    f"{_sqlite_refresh('new.conversation_id')} END",
    # A renamed shop: its conversations' documents follow.
    "CREATE TRIGGER conversation_fts_vendor_name AFTER UPDATE OF name ON vendors BEGIN "
    "DELETE FROM conversation_fts WHERE rowid IN (SELECT id FROM conversations WHERE vendor_id = new.id); "
    f"INSERT INTO conversation_fts (rowid, subject, people) SELECT c.id, c.subject, {_PEOPLE_SQL} "
    "FROM conversations c WHERE c.vendor_id = new.id; END",
]
SQLITE_BACKFILL = [
    "INSERT INTO message_fts (message_fts) VALUES ('rebuild')",
    f"INSERT INTO conversation_fts (rowid, subject, people) SELECT c.id, c.subject, {_PEOPLE_SQL} FROM conversations c",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS conversation_fts_vendor_name",
    "DROP TRIGGER IF EXISTS conversation_fts_participant",
    "DROP TRIGGER IF EXISTS conversation_fts_delete",
    "DROP TRIGGER IF EXISTS conversation_fts_subject",
    "DROP TRIGGER IF EXISTS conversation_fts_insert",
    "DROP TABLE IF EXISTS conversation_fts",
    "DROP TRIGGER IF EXISTS message_fts_update",
    "DROP TRIGGER IF EXISTS message_fts_delete",
    "DROP TRIGGER IF EXISTS message_fts_insert",
    "DROP TABLE IF EXISTS message_fts",
]

_PG_PEOPLE_SQL = _PEOPLE_SQL.replace("group_concat(n, ' ')", "string_agg(n, ' ')")
POSTGRES_UP = [
    "CREATE INDEX ix_messages_content_fts ON messages USING gin (to_tsvector('simple', content))",
    "CREATE TABLE conversation_search (conversation_id integer PRIMARY KEY "
    "REFERENCES conversations (id) ON DELETE CASCADE, document text NOT NULL)",
    "CREATE INDEX ix_conversation_search_fts ON conversation_search USING gin (to_tsvector('simple', document))",
    f"""CREATE FUNCTION conversation_search_refresh(target integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO conversation_search (conversation_id, document)
        SELECT c.id, c.subject || ' ' || {_PG_PEOPLE_SQL} FROM conversations c WHERE c.id = target
        ON CONFLICT (conversation_id) DO UPDATE SET document = excluded.document
    $$""",
    """CREATE FUNCTION conversation_search_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'conversations' THEN
            PERFORM conversation_search_refresh(NEW.id);
        ELSIF TG_TABLE_NAME = 'conversation_participants' THEN
            PERFORM conversation_search_refresh(NEW.conversation_id);
        ELSIF TG_TABLE_NAME = 'vendors' THEN
            PERFORM conversation_search_refresh(c.id) FROM conversations c WHERE c.vendor_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER conversation_search_conversation AFTER INSERT OR UPDATE OF subject, vendor_id ON conversations "
    "FOR EACH ROW EXECUTE FUNCTION conversation_search_on_write()",
    "CREATE TRIGGER conversation_search_participant AFTER INSERT ON conversation_participants "
    "FOR EACH ROW EXECUTE FUNCTION conversation_search_on_write()",
    "CREATE TRIGGER conversation_search_vendor AFTER UPDATE OF name ON vendors "
    "FOR EACH ROW EXECUTE FUNCTION conversation_search_on_write()",
]
POSTGRES_BACKFILL = [
    f"INSERT INTO conversation_search (conversation_id, document) "
    f"SELECT c.id, c.subject || ' ' || {_PG_PEOPLE_SQL} FROM conversations c ON CONFLICT DO NOTHING",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS conversation_search_vendor ON vendors",
    "DROP TRIGGER IF EXISTS conversation_search_participant ON conversation_participants",
    "DROP TRIGGER IF EXISTS conversation_search_conversation ON conversations",
    "DROP FUNCTION IF EXISTS conversation_search_on_write()",
    "DROP FUNCTION IF EXISTS conversation_search_refresh(integer)",
    "DROP TABLE IF EXISTS conversation_search",
    "DROP INDEX IF EXISTS ix_messages_content_fts",
]


# Tables the search index owns (with FTS5's shadow tables); not in the models, so autogenerate skips them.
SEARCH_TABLE_PREFIXES = ("message_fts", "conversation_fts", "conversation_search")


SEARCH_INDEXES = ("ix_messages_content_fts", "ix_conversation_search_fts")


def include_in_autogenerate(name, type_, parent_names) -> bool:
    """Alembic ``include_name`` hook: leave the search index's tables and indexes to its own migration."""
    if type_ == "table" and name and name.startswith(SEARCH_TABLE_PREFIXES):
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)


def install_search_index(connection, backfill: bool = True) -> None:
    postgres = connection.dialect.name == "postgresql"
    statements = (POSTGRES_UP + (POSTGRES_BACKFILL if backfill else [])) if postgres else (
        SQLITE_UP + (SQLITE_BACKFILL if backfill else []))
    for statement in statements:
        connection.exec_driver_sql(statement)


def remove_search_index(connection) -> None:
    for statement in POSTGRES_DOWN if connection.dialect.name == "postgresql" else SQLITE_DOWN:
        connection.exec_driver_sql(statement)


# ---------------------------------------------------------------- querying


def search_terms(search: str) -> list[str]:
    return [term.lower() for term in WORD.findall(search or "")][:MAX_TERMS]


def _match_expression(terms: list[str], postgres: bool) -> str:
    if postgres:
        return " & ".join(f"{term}:*" for term in terms)
    return " ".join(f'"{term}"*' for term in terms)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _matching_message_ids(terms: list[str], postgres: bool):
    if postgres:
        return select(Message.id).where(
            text("to_tsvector('simple', messages.content) @@ to_tsquery('simple', :message_query)")
            .bindparams(bindparam("message_query", _match_expression(terms, True)))
        )
    return select(text("rowid")).select_from(text("message_fts")).where(
        text("message_fts MATCH :message_query").bindparams(
            bindparam("message_query", _match_expression(terms, False)))
    )


def search_clause(session: Session, search: str):
    """Condition on ``Conversation``: the words are in one of its messages, its subject or its people."""
    terms = search_terms(search)
    if not terms:
        return false()
    postgres = _is_postgres(session)
    if postgres:
        documents = select(text("conversation_id")).select_from(text("conversation_search")).where(
            text("to_tsvector('simple', document) @@ to_tsquery('simple', :document_query)")
            .bindparams(bindparam("document_query", _match_expression(terms, True)))
        )
    else:
        documents = select(text("rowid")).select_from(text("conversation_fts")).where(
            text("conversation_fts MATCH :document_query").bindparams(
                bindparam("document_query", _match_expression(terms, False)))
        )
    in_messages = select(Message.conversation_id).where(Message.id.in_(_matching_message_ids(terms, postgres)))
    return or_(Conversation.id.in_(documents), Conversation.id.in_(in_messages))


@dataclass(frozen=True)
class MessageMatch:
    message_id: int
    conversation_id: int
    content: str


def matching_messages(session: Session, conversation_ids: list[int], search: str) -> dict[int, MessageMatch]:
    """The newest message matching the words in each of these conversations (one query)."""
    terms = search_terms(search)
    if not terms or not conversation_ids:
        return {}
    newest = (
        select(func.max(Message.id))
        .where(Message.conversation_id.in_(conversation_ids),
               Message.id.in_(_matching_message_ids(terms, _is_postgres(session))))
        .group_by(Message.conversation_id)
    )
    rows = session.execute(
        select(Message.id, Message.conversation_id, Message.content).where(Message.id.in_(newest))
    ).all()
    matches: dict[int, MessageMatch] = {}
    for message_id, conversation_id, content in rows:
        matches[conversation_id] = MessageMatch(message_id, conversation_id, content)
    return matches


# ---------------------------------------------------------------- db.create_all() (the tests)


def _after_create(target, connection, **kw) -> None:
    install_search_index(connection, backfill=False)


def _before_drop(target, connection, **kw) -> None:
    remove_search_index(connection)


if not event.contains(db.metadata, "after_create", _after_create):
    event.listen(db.metadata, "after_create", _after_create)
    event.listen(db.metadata, "before_drop", _before_drop)
