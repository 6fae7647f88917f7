"""The first search index (revisions 0007 and 0010): one document per conversation.

PostgreSQL still uses it; on SQLite, migration 0011 replaced it with chunks (services/search.py),
and it is kept as it was for migrations 0007 and 0010 and for 0011's downgrade. Each message
appends its text to its conversation's document: FTS5 then takes the whole document out of its
index and puts it back, so a send on SQLite cost more the longer its thread.
"""

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

def _vector(text: str, positions: bool) -> str:
    """``text`` as a PostgreSQL document. Without ``positions`` (``strip()``) it keeps each word once,
    with no list of where it occurs: matching (``@@``, prefixes) needs nothing more, and a message's
    append no longer rewrites every earlier occurrence of every word."""
    return f"to_tsvector('simple', {text})" if positions else f"strip(to_tsvector('simple', {text}))"


def postgres_functions(*, positions: bool) -> list[str]:
    """The two functions behind PostgreSQL's triggers: a conversation's whole document built again,
    and the writes that call for it."""
    def vector(text: str) -> str:
        return _vector(text, positions)

    return [
        f"""CREATE OR REPLACE FUNCTION conversation_search_refresh(target integer) RETURNS void LANGUAGE sql AS $$
        INSERT INTO conversation_search (conversation_id, document)
        SELECT c.id, {vector(_PG_DOCUMENT_SQL)} FROM conversations c WHERE c.id = target
        ON CONFLICT (conversation_id) DO UPDATE SET document = excluded.document
    $$""",
        f"""CREATE OR REPLACE FUNCTION conversation_search_on_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'conversations' THEN
            PERFORM conversation_search_refresh(NEW.id);
        ELSIF TG_TABLE_NAME = 'conversation_participants' THEN
            PERFORM conversation_search_refresh(NEW.conversation_id);
        ELSIF TG_TABLE_NAME = 'messages' AND TG_OP = 'INSERT' THEN
            UPDATE conversation_search SET document = document || {vector("NEW.content")}
             WHERE conversation_id = NEW.conversation_id;
        ELSIF TG_TABLE_NAME = 'messages' THEN
            PERFORM conversation_search_refresh(OLD.conversation_id);
        ELSIF TG_TABLE_NAME = 'vendors' THEN
            PERFORM conversation_search_refresh(c.id) FROM conversations c WHERE c.vendor_id = NEW.id;
        END IF;
        RETURN NULL;
    END $$""",
    ]


POSTGRES_UP = [
    "CREATE TABLE conversation_search (conversation_id integer PRIMARY KEY "
    "REFERENCES conversations (id) ON DELETE CASCADE, document tsvector NOT NULL)",
    "CREATE INDEX ix_conversation_search_fts ON conversation_search USING gin (document)",
    *(definition.replace("CREATE OR REPLACE FUNCTION", "CREATE FUNCTION", 1)
      for definition in postgres_functions(positions=True)),
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


def postgres_backfill(*, positions: bool) -> str:
    """Every conversation's document that is missing, built at once."""
    return (f"INSERT INTO conversation_search (conversation_id, document) "
            f"SELECT c.id, {_vector(_PG_DOCUMENT_SQL, positions)} FROM conversations c ON CONFLICT DO NOTHING")


POSTGRES_BACKFILL = [postgres_backfill(positions=True)]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS conversation_search_vendor ON vendors",
    "DROP TRIGGER IF EXISTS conversation_search_message ON messages",
    "DROP TRIGGER IF EXISTS conversation_search_participant ON conversation_participants",
    "DROP TRIGGER IF EXISTS conversation_search_conversation ON conversations",
    "DROP FUNCTION IF EXISTS conversation_search_on_write()",
    "DROP FUNCTION IF EXISTS conversation_search_refresh(integer)",
    "DROP TABLE IF EXISTS conversation_search",
]


def install_search_index(connection, backfill: bool = True) -> None:
    postgres = connection.dialect.name == "postgresql"
    statements = (POSTGRES_UP + (POSTGRES_BACKFILL if backfill else [])) if postgres else (
        SQLITE_UP + (SQLITE_BACKFILL if backfill else []))
    for statement in statements:
        connection.exec_driver_sql(statement)


def remove_search_index(connection) -> None:
    for statement in POSTGRES_DOWN if connection.dialect.name == "postgresql" else SQLITE_DOWN:
        connection.exec_driver_sql(statement)


