"""Full-text search of conversations: message text, subjects, participant and shop names.

Both databases keep one document per conversation in ``conversation_search``: its subject, its
participants' and shop's names and all its messages' text. SQLite (the embedded default) indexes
it with FTS5 (``conversation_fts``, external content), PostgreSQL stores it as a ``tsvector``
with a GIN index. Triggers keep it in step with every write, so the write
path (being refactored elsewhere) needs no change; migration ``0007_message_search``
creates them and fills them from the existing rows, and ``db.create_all()`` (the tests)
gets them through the metadata events at the bottom.

Words match by prefix ("deliv" finds "delivery"; a single character only as a whole word), all
words must match, case and accents aside. Scope is the caller's, as for any list: the clause only
narrows ``list_conversations``.
"""
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import bindparam, event, false, func, inspect, select, text
from sqlalchemy.orm import Session

from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import Conversation, Message
from messaging.policy import policy_for

MAX_TERMS = 8
MESSAGES_SEARCHED = 200
WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: "_" is no word to either index

# ---------------------------------------------------------------- the documents, per database
#
# One document per conversation: its subject, its participants' and shop's names and the text of
# all its messages. Matching a conversation then reads one posting list, however many messages use
# the word (a per-message index made a common word cost seconds at 1M messages: every match had
# to be mapped back to its conversation). A new message appends its text to the document.

# Subject, case context, the shop's and the participants' names, and the messages of conversation ``c``.
_DOCUMENT_SQL = """
    c.subject || ' ' ||
    -- What a marketplace case is about: the host's order number or SKU, and its label.
    coalesce(c.context_ref, '') || ' ' || coalesce(c.context_label, '') || ' ' ||
    coalesce((SELECT v.name FROM vendors v WHERE v.id = c.vendor_id), '') || ' ' ||
    coalesce((SELECT group_concat(n, ' ') FROM (
        SELECT u.full_name AS n FROM conversation_participants p JOIN users u ON u.id = p.participant_id
         WHERE p.conversation_id = c.id AND p.participant_type IN ('admin', 'vendor')
        UNION ALL
        SELECT cu.full_name FROM conversation_participants p JOIN customers cu ON cu.id = p.participant_id
         WHERE p.conversation_id = c.id AND p.participant_type = 'customer') AS names), '') || ' ' ||
    coalesce((SELECT group_concat(m.content, ' ') FROM messages m WHERE m.conversation_id = c.id), '') || ' ' ||
    -- Scope words, so a search starts from the caller's conversations (see scope_terms).
    'zzt' || replace(c.conversation_type, '_', '') || ' zzv' || coalesce(c.vendor_id, 0) || ' ' ||
    coalesce((SELECT group_concat('zzp' || p.participant_type || p.participant_id, ' ')
              FROM conversation_participants p WHERE p.conversation_id = c.id), '')
"""


def _sqlite_refresh(where_sql: str) -> str:
    return (
        f"INSERT INTO conversation_search (conversation_id, document) SELECT c.id, {_DOCUMENT_SQL} "
        f"FROM conversations c WHERE {where_sql} "
        f"ON CONFLICT (conversation_id) DO UPDATE SET document = excluded.document;"
    )


SQLITE_UP = [
    "CREATE TABLE conversation_search (conversation_id INTEGER PRIMARY KEY, document TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE conversation_fts USING fts5(document, content='conversation_search', "
    "content_rowid='conversation_id', tokenize='unicode61 remove_diacritics 2')",
    # The FTS index follows its content table.
    "CREATE TRIGGER conversation_search_ai AFTER INSERT ON conversation_search BEGIN "
    "INSERT INTO conversation_fts (rowid, document) VALUES (new.conversation_id, new.document); END",
    "CREATE TRIGGER conversation_search_ad AFTER DELETE ON conversation_search BEGIN "
    "INSERT INTO conversation_fts (conversation_fts, rowid, document) VALUES ('delete', old.conversation_id, old.document); END",
    "CREATE TRIGGER conversation_search_au AFTER UPDATE ON conversation_search BEGIN "
    "INSERT INTO conversation_fts (conversation_fts, rowid, document) VALUES ('delete', old.conversation_id, old.document); "
    "INSERT INTO conversation_fts (rowid, document) VALUES (new.conversation_id, new.document); END",
    # The content table follows the messaging tables.
    f"CREATE TRIGGER search_conversation_insert AFTER INSERT ON conversations BEGIN {_sqlite_refresh('c.id = new.id')} END",
    f"CREATE TRIGGER search_conversation_update AFTER UPDATE OF subject, vendor_id, context_ref, context_label "
    f"ON conversations BEGIN "
    f"{_sqlite_refresh('c.id = new.id')} END",
    "CREATE TRIGGER search_conversation_delete AFTER DELETE ON conversations BEGIN "
    "DELETE FROM conversation_search WHERE conversation_id = old.id; END",
    f"CREATE TRIGGER search_participant_insert AFTER INSERT ON conversation_participants BEGIN "
    f"{_sqlite_refresh('c.id = new.conversation_id')} END",
    "CREATE TRIGGER search_message_insert AFTER INSERT ON messages BEGIN "
    "UPDATE conversation_search SET document = document || ' ' || new.content "
    "WHERE conversation_id = new.conversation_id; END",
    f"CREATE TRIGGER search_message_update AFTER UPDATE OF content ON messages BEGIN "
    f"{_sqlite_refresh('c.id = new.conversation_id')} END",
    f"CREATE TRIGGER search_message_delete AFTER DELETE ON messages BEGIN "
    f"{_sqlite_refresh('c.id = old.conversation_id')} END",
    f"CREATE TRIGGER search_vendor_name AFTER UPDATE OF name ON vendors BEGIN "
    f"{_sqlite_refresh('c.vendor_id = new.id')} END",
]
SQLITE_BACKFILL = [_sqlite_refresh("1 = 1").rstrip(";")]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS search_vendor_name",
    "DROP TRIGGER IF EXISTS search_message_delete",
    "DROP TRIGGER IF EXISTS search_message_update",
    "DROP TRIGGER IF EXISTS search_message_insert",
    "DROP TRIGGER IF EXISTS search_participant_insert",
    "DROP TRIGGER IF EXISTS search_conversation_delete",
    "DROP TRIGGER IF EXISTS search_conversation_update",
    "DROP TRIGGER IF EXISTS search_conversation_insert",
    "DROP TRIGGER IF EXISTS conversation_search_au",
    "DROP TRIGGER IF EXISTS conversation_search_ad",
    "DROP TRIGGER IF EXISTS conversation_search_ai",
    "DROP TABLE IF EXISTS conversation_fts",
    "DROP TABLE IF EXISTS conversation_search",
]

_PG_DOCUMENT_SQL = _DOCUMENT_SQL.replace("group_concat(n, ' ')", "string_agg(n, ' ')").replace(
    "group_concat(m.content, ' ')", "string_agg(m.content, ' ' ORDER BY m.id)").replace(
    "group_concat('zzp' || p.participant_type || p.participant_id, ' ')",
    "string_agg('zzp' || p.participant_type || p.participant_id, ' ')").replace(
    # PostgreSQL's parser keeps "SKU-7" as a compound with "-7", and "A/1001" as a path: a case
    # reference is split into the words a search is split into, as FTS5 splits it on SQLite.
    "coalesce(c.context_ref, '')", r"regexp_replace(coalesce(c.context_ref, ''), '[^[:alnum:]]+', ' ', 'g')")
POSTGRES_UP = [
    "CREATE TABLE conversation_search (conversation_id integer PRIMARY KEY "
    "REFERENCES conversations (id) ON DELETE CASCADE, document tsvector NOT NULL)",
    "CREATE INDEX ix_conversation_search_fts ON conversation_search USING gin (document)",
    f"""CREATE FUNCTION conversation_search_refresh(target integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO conversation_search (conversation_id, document)
        SELECT c.id, to_tsvector('simple', {_PG_DOCUMENT_SQL}) FROM conversations c WHERE c.id = target
        ON CONFLICT (conversation_id) DO UPDATE SET document = excluded.document
    $$""",
    """CREATE FUNCTION conversation_search_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'conversations' THEN
            PERFORM conversation_search_refresh(NEW.id);
        ELSIF TG_TABLE_NAME = 'conversation_participants' THEN
            PERFORM conversation_search_refresh(NEW.conversation_id);
        ELSIF TG_TABLE_NAME = 'messages' AND TG_OP = 'INSERT' THEN
            UPDATE conversation_search SET document = document || to_tsvector('simple', NEW.content)
             WHERE conversation_id = NEW.conversation_id;
        ELSIF TG_TABLE_NAME = 'messages' THEN
            PERFORM conversation_search_refresh(OLD.conversation_id);
        ELSIF TG_TABLE_NAME = 'vendors' THEN
            PERFORM conversation_search_refresh(c.id) FROM conversations c WHERE c.vendor_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER conversation_search_conversation AFTER INSERT OR UPDATE OF subject, vendor_id, context_ref, "
    "context_label ON conversations "
    "FOR EACH ROW EXECUTE FUNCTION conversation_search_on_write()",
    "CREATE TRIGGER conversation_search_participant AFTER INSERT ON conversation_participants "
    "FOR EACH ROW EXECUTE FUNCTION conversation_search_on_write()",
    "CREATE TRIGGER conversation_search_message AFTER INSERT OR DELETE OR UPDATE OF content ON messages "
    "FOR EACH ROW EXECUTE FUNCTION conversation_search_on_write()",
    "CREATE TRIGGER conversation_search_vendor AFTER UPDATE OF name ON vendors "
    "FOR EACH ROW EXECUTE FUNCTION conversation_search_on_write()",
]
POSTGRES_BACKFILL = [
    f"INSERT INTO conversation_search (conversation_id, document) "
    f"SELECT c.id, to_tsvector('simple', {_PG_DOCUMENT_SQL}) FROM conversations c ON CONFLICT DO NOTHING",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS conversation_search_vendor ON vendors",
    "DROP TRIGGER IF EXISTS conversation_search_message ON messages",
    "DROP TRIGGER IF EXISTS conversation_search_participant ON conversation_participants",
    "DROP TRIGGER IF EXISTS conversation_search_conversation ON conversations",
    "DROP FUNCTION IF EXISTS conversation_search_on_write()",
    "DROP FUNCTION IF EXISTS conversation_search_refresh(integer)",
    "DROP TABLE IF EXISTS conversation_search",
]


# Tables the search index owns (with FTS5's shadow tables); not in the models, so autogenerate skips them.
SEARCH_TABLE_PREFIXES = ("conversation_fts", "conversation_search")


SEARCH_INDEXES = ("ix_conversation_search_fts",)


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


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def scope_terms(principal: Principal) -> list[list[str]]:
    """Words of the documents that every conversation in the caller's scope carries (any of each group).

    They only narrow where the index starts; the list query's own scope clause still decides.
    """
    policy = policy_for(principal)
    groups = [["zzt" + kind.value.replace("_", "") for kind in policy.visible_types]]
    if policy.scoped_to_vendor and principal.vendor_id is not None:
        groups.append([f"zzv{principal.vendor_id}"])
    if policy.participants_only:
        groups.append([f"zzp{principal.type.value}{principal.id}"])
    return groups


# A one-character prefix matches nearly every document and is the slowest thing an index can be
# asked ("1" of "Works 1" read every number's postings): such a term matches whole words only.
PREFIX_MIN_LENGTH = 2


def _match_expression(terms: list[str], scope: list[list[str]], postgres: bool) -> str:
    if postgres:
        words = [f"{term}:*" if len(term) >= PREFIX_MIN_LENGTH else term for term in terms]
        words += ["(" + " | ".join(group) + ")" if len(group) > 1 else group[0] for group in scope]
        return " & ".join(words)
    words = [f'"{term}"*' if len(term) >= PREFIX_MIN_LENGTH else f'"{term}"' for term in terms]
    words += ["(" + " OR ".join(f'"{word}"' for word in group) + ")" if len(group) > 1 else f'"{group[0]}"'
              for group in scope]
    return " AND ".join(words)


def search_clause(session: Session, search: str, principal: Principal):
    """Condition on ``Conversation``: every word is in its messages, its subject or its people."""
    terms = search_terms(search)
    if not terms:
        return false()
    postgres = _is_postgres(session)
    expression = _match_expression(terms, scope_terms(principal), postgres)
    if postgres:
        documents = select(text("conversation_id")).select_from(text("conversation_search")).where(
            text("document @@ to_tsquery('simple', :search_query)").bindparams(bindparam("search_query", expression))
        )
    else:
        documents = select(text("rowid")).select_from(text("conversation_fts")).where(
            text("conversation_fts MATCH :search_query").bindparams(bindparam("search_query", expression))
        )
    return Conversation.id.in_(documents)


@dataclass(frozen=True)
class MessageMatch:
    message_id: int
    conversation_id: int
    content: str


def _folded(value: str) -> str:
    """Lower case without accents, as the indexes compare words."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", value.lower()) if not unicodedata.combining(ch))


def matching_messages(session: Session, conversation_ids: list[int], search: str) -> dict[int, MessageMatch]:
    """For each conversation of a results page, its newest message with the words (one query).

    The index finds conversations; which of their messages holds the words is decided here,
    over each conversation's latest ``MESSAGES_SEARCHED`` messages, with the index's rules
    (word prefixes, case and accents aside): every word if one message has them all, else any.
    """
    terms = [_folded(term) for term in search_terms(search)]
    if not terms or not conversation_ids:
        return {}
    ranked = (
        select(Message.id, Message.conversation_id, Message.content,
               func.row_number().over(partition_by=Message.conversation_id, order_by=Message.id.desc()).label("rank"))
        .where(Message.conversation_id.in_(conversation_ids), Message.is_system_message.is_(False))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.id, ranked.c.conversation_id, ranked.c.content)
        .where(ranked.c.rank <= MESSAGES_SEARCHED).order_by(ranked.c.id.desc())
    ).all()
    best: dict[int, tuple[int, MessageMatch]] = {}
    for message_id, conversation_id, content in rows:  # newest first
        words = WORD.findall(_folded(content or ""))
        hits = sum(1 for term in terms if any(word.startswith(term) for word in words))
        if hits and hits > best.get(conversation_id, (0, None))[0]:
            best[conversation_id] = (hits, MessageMatch(message_id, conversation_id, content))
    return {conversation_id: match for conversation_id, (_, match) in best.items()}


# ---------------------------------------------------------------- db.create_all() (the tests)


def _after_create(target, connection, **kw) -> None:
    # create_all() only adds what is missing (a second app on the same database): so does this.
    if not inspect(connection).has_table("conversation_search"):
        install_search_index(connection, backfill=False)


def _before_drop(target, connection, **kw) -> None:
    remove_search_index(connection)


if not event.contains(db.metadata, "after_create", _after_create):
    event.listen(db.metadata, "after_create", _after_create)
    event.listen(db.metadata, "before_drop", _before_drop)
