"""Full-text search of conversations: message text, subjects, participant and shop names.

SQLite (the embedded default) indexes a conversation as a few documents, its *chunks*, in
``conversation_search``, with FTS5: each holds the conversation's subject, its case, its shop's
and participants' names and scope words, and the text of up to ``CHUNK_MESSAGES`` of its
messages. A new message is added to its conversation's last chunk, or starts a new chunk when
that one is full, so what a send costs the index does not depend on the length of its thread.
New messages are added a batch at a time, after a send (migration ``0014_search_backlog``,
"the backlog" below); search reads those not yet added from the messages themselves.
(The first index kept one document per conversation and rewrote all of it at every message: a
reply in a thread of 1,000 messages cost about twice one in a thread of 100, bench/README.md.)
Most conversations are one chunk, in ``conversation_fts``; the chunks of a longer one are in
``conversation_fts_several``, where it matches when each word is in one of its chunks.

PostgreSQL keeps the first index (``search_index_v1``): one ``tsvector`` per conversation with a
GIN index, to which a message appends its words.

Triggers keep both in step with every other write; migration ``0011_search_chunks`` builds SQLite's
chunks from the existing rows, and ``db.create_all()`` (the tests) gets the index through the
metadata events at the bottom.

Words match by prefix ("deliv" finds "delivery"; a single character only as a whole word), all
words must match, case and accents aside, anywhere in the conversation. Scope is the caller's, as
for any list: the clause only narrows ``list_conversations``.
"""
import re
import sqlite3
import unicodedata
from dataclasses import dataclass

from sqlalchemy import bindparam, event, false, func, inspect, intersect, literal_column, select, text, union_all
from sqlalchemy.orm import Session

from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import Conversation, Message
from messaging.policy import policy_for
from messaging.services import search_index_v1

MAX_TERMS = 8
MESSAGES_SEARCHED = 200
WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: "_" is no word to either index

# ---------------------------------------------------------------- SQLite's chunks
#
# A chunk's id is its conversation's id times CHUNK_IDS plus its number, so the chunks of a
# conversation are one range of the primary key, and a chunk's conversation is its id // CHUNK_IDS.
CHUNK_IDS = 65536
# A chunk is full at this many messages, or (new messages only) past this many characters.
CHUNK_MESSAGES = 32
CHUNK_CHARACTERS = 8000

# What every chunk of conversation ``c`` says besides its messages: subject, case context, shop,
# participants' names, and scope words (a search starts from the caller's conversations, see scope_terms).
_HEADER_SQL = """
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
    'zzt' || replace(c.conversation_type, '_', '') || ' zzv' || coalesce(c.vendor_id, 0) || ' ' ||
    coalesce((SELECT group_concat('zzp' || p.participant_type || p.participant_id, ' ')
              FROM conversation_participants p WHERE p.conversation_id = c.id), '')
"""


def _chunks_sql(messages_where: str) -> str:
    """Each conversation's messages (those of ``messages_where`` on ``m``) in chunks of CHUNK_MESSAGES."""
    return f"""
        SELECT conversation_id, number, count(*) AS messages, group_concat(content, ' ') AS text,
               max(number) OVER (PARTITION BY conversation_id) + 1 AS chunks
        FROM (SELECT m.conversation_id, m.content,
                     (row_number() OVER (PARTITION BY m.conversation_id ORDER BY m.id) - 1) / {CHUNK_MESSAGES} AS number
              FROM messages m WHERE {messages_where}) AS numbered
        GROUP BY conversation_id, number
    """


def _first_chunk(conversation: str) -> str:
    return f"({conversation}) * {CHUNK_IDS}"


def _chunk_range(conversation: str) -> str:
    return f"chunk_id BETWEEN {_first_chunk(conversation)} AND {_first_chunk(conversation)} + {CHUNK_IDS - 1}"


def _sqlite_build(conversations_where: str, messages_where: str) -> str:
    """Insert the chunks of the conversations ``conversations_where`` (on ``c``), whose messages are ``messages_where``."""
    chunks = _chunks_sql(messages_where)
    return (
        f"INSERT INTO conversation_search (chunk_id, message_count, several, document) "
        f"SELECT c.id * {CHUNK_IDS} + coalesce(chunk.number, 0), coalesce(chunk.messages, 0), "
        f"coalesce(chunk.chunks, 1) > 1, {_HEADER_SQL} || coalesce(' ' || chunk.text, '') "
        f"FROM conversations c LEFT JOIN ({chunks}) AS chunk "
        f"ON chunk.conversation_id = c.id WHERE {conversations_where};"
    )


# The last message in the chunks: those past it are the backlog (see "the backlog" below).
_INDEXED_THROUGH = "(SELECT indexed_through FROM search_progress)"
_INDEXED_MESSAGES = f"m.id <= {_INDEXED_THROUGH}"


def _sqlite_rebuild(conversation: str, messages_where: str) -> str:
    """Statements (in a trigger) that build one conversation's chunks again."""
    return (
        f"DELETE FROM conversation_search WHERE {_chunk_range(conversation)}; "
        + _sqlite_build(f"c.id = {conversation}", f"m.conversation_id = {conversation} AND {messages_where}")
    )


FTS_INDEXES = ("conversation_fts", "conversation_fts_several")
# FTS5 merges its index's segments as it goes ('automerge', 4 by default): some of every write,
# inside the send's INSERT and so inside the writer's turn (messaging/sqlite_write_lock.py), about
# 30 µs of a send on average. Off, a level's segments are merged when 16 have piled up (FTS5's
# 'crisismerge'): less work in all, and searches after 4,000 sends took the same time (bench/README.md).
AUTOMERGE = 0
FTS5_DEFAULT_AUTOMERGE = 4

_SQLITE_LAST_CHUNK = (f"(SELECT max(chunk_id) FROM conversation_search WHERE {_chunk_range('new.conversation_id')})")

def _messages_into_chunks(messages: str) -> str:
    """New messages of a conversation (``new.conversation_id``, their ``new.content``, ``messages``
    of them) into its chunks: a new chunk when the last is full (the first chunk then learns it is
    not the only one), then the messages are added to the last chunk."""
    return (
        f"INSERT INTO conversation_search (chunk_id, message_count, several, document) "
        f"SELECT last.chunk_id + 1, 0, 1, {_HEADER_SQL} "
        f"FROM conversation_search last JOIN conversations c ON c.id = new.conversation_id "
        f"WHERE last.chunk_id = {_SQLITE_LAST_CHUNK} "
        f"AND (last.message_count >= {CHUNK_MESSAGES} OR length(last.document) >= {CHUNK_CHARACTERS}); "
        f"UPDATE conversation_search SET several = 1 "
        f"WHERE chunk_id = {_first_chunk('new.conversation_id')} AND EXISTS (SELECT 1 FROM conversation_search second "
        f"WHERE second.chunk_id = {_first_chunk('new.conversation_id')} + 1 AND second.message_count = 0); "
        f"UPDATE conversation_search SET document = document || ' ' || new.content, "
        f"message_count = message_count + {messages} WHERE chunk_id = {_SQLITE_LAST_CHUNK};"
    )


def _rebuild_triggers(messages_where: str) -> dict[str, str]:
    """The chunks follow the messaging tables: the triggers (by name) that rebuild a conversation's
    chunks from its messages of ``messages_where``."""
    rebuild = lambda conversation: _sqlite_rebuild(conversation, messages_where)  # noqa: E731
    when_and_what = {
        "search_conversation_insert": ("AFTER INSERT ON conversations", rebuild("new.id")),
        "search_conversation_update": ("AFTER UPDATE OF subject, vendor_id, context_ref, context_label ON conversations",
                                       rebuild("new.id")),
        "search_participant_insert": ("AFTER INSERT ON conversation_participants", rebuild("new.conversation_id")),
        "search_message_update": ("AFTER UPDATE OF content ON messages", rebuild("new.conversation_id")),
        "search_message_delete": ("AFTER DELETE ON messages", rebuild("old.conversation_id")),
        # A renamed shop: its conversations' chunks again (rare, and one statement for all of them).
        "search_vendor_name": ("AFTER UPDATE OF name ON vendors", (
            f"DELETE FROM conversation_search WHERE chunk_id / {CHUNK_IDS} IN "
            f"(SELECT id FROM conversations WHERE vendor_id = new.id); "
            + _sqlite_build("c.vendor_id = new.id", f"m.conversation_id IN "
                            f"(SELECT id FROM conversations WHERE vendor_id = new.id) AND {messages_where}"))),
    }
    return {name: f"CREATE TRIGGER {name} {when} BEGIN {what} END" for name, (when, what) in when_and_what.items()}

# ---------------------------------------------------------------- SQLite's backlog
#
# A send does not index its message on SQLite: the chunks hold the messages up to
# ``search_progress.indexed_through``, and the later ones, the backlog, are added a batch at a
# time after a send has committed (services/search_backlog.py), outside every send's turn.
# Indexing a message in its send's transaction cost 55-75 µs of the writer's turn, most of it
# FTS5 writing a new segment at every commit; in batches of 60 it cost 23-32 µs a message
# (bench/README.md). Search reads the backlog itself (``_backlog_matches``), so a message is
# found the moment it is sent, indexed or not. The feed view below is where the backlog goes in:
# a row per conversation with all its new messages, added to its last chunk at once: one FTS5
# update of the chunk (which takes the whole chunk out of the index and puts it back), not one
# per message. A chunk then holds up to CHUNK_MESSAGES messages plus what the batch that filled
# it brought.
INDEX_BACKLOG = (
    "INSERT INTO search_message_feed (conversation_id, content, messages) "
    "SELECT conversation_id, group_concat(content, ' '), count(*) FROM messages "
    f"WHERE id > {_INDEXED_THROUGH} AND id <= :through GROUP BY conversation_id"
)
MARK_INDEXED = "UPDATE search_progress SET indexed_through = :through WHERE indexed_through < :through"
# With a backlog, a conversation's chunks are rebuilt from its indexed messages only.
_BACKLOG_REBUILD_TRIGGERS = _rebuild_triggers(_INDEXED_MESSAGES)
BACKLOG_UP = [
    "CREATE TABLE search_progress (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_through INTEGER NOT NULL)",
    "INSERT INTO search_progress (id, indexed_through) SELECT 1, coalesce(max(id), 0) FROM messages",
    # What is inserted into this view goes into the chunks.
    "CREATE VIEW search_message_feed AS SELECT conversation_id, content, 1 AS messages FROM messages WHERE 0",
    f"CREATE TRIGGER search_message_feed_insert INSTEAD OF INSERT ON search_message_feed BEGIN "
    f"{_messages_into_chunks('new.messages')} END",
    *_BACKLOG_REBUILD_TRIGGERS.values(),
]
# Migration 0014 goes from the index of 0011 (every message indexed by its own insert) to the
# backlog, and back: these are 0011's triggers.
UNBATCHED_MESSAGE_INSERT = (f"CREATE TRIGGER search_message_insert AFTER INSERT ON messages BEGIN "
                            f"{_messages_into_chunks('1')} END")
UNBATCHED_REBUILD_TRIGGERS = list(_rebuild_triggers("1 = 1").values())
BACKLOG_DOWN = [
    "DROP TRIGGER IF EXISTS search_message_insert",
    *[f"DROP TRIGGER IF EXISTS {name}" for name in _BACKLOG_REBUILD_TRIGGERS],
    "DROP VIEW IF EXISTS search_message_feed",
    "DROP TABLE IF EXISTS search_progress",
]


def index_backlog(connection, through: int) -> None:
    """The messages of the backlog up to ``through`` into the chunks, in ``connection``'s transaction (SQLAlchemy)."""
    connection.execute(text(INDEX_BACKLOG), {"through": through})
    connection.execute(text(MARK_INDEXED), {"through": through})


def index_whole_backlog(connection) -> None:
    through = connection.exec_driver_sql("SELECT max(id) FROM messages").scalar()
    if through is not None:
        index_backlog(connection, through)


def use_backlog(connection) -> None:
    """Migration 0014: from 0011's index, where each insert indexed its message, to the backlog."""
    if inspect(connection).has_table("search_progress"):  # 0011 made the index as it is today
        index_whole_backlog(connection)
    for statement in BACKLOG_DOWN + BACKLOG_UP:
        connection.exec_driver_sql(statement)


def index_every_insert(connection) -> None:
    """Migration 0014's downgrade: the backlog indexed, then each insert indexes its message again."""
    index_whole_backlog(connection)
    for statement in BACKLOG_DOWN + [UNBATCHED_MESSAGE_INSERT, *UNBATCHED_REBUILD_TRIGGERS]:
        connection.exec_driver_sql(statement)


SQLITE_UP = [
    "CREATE TABLE conversation_search (chunk_id INTEGER PRIMARY KEY, message_count INTEGER NOT NULL, "
    "several INTEGER NOT NULL, document TEXT NOT NULL)",
    # A conversation of one chunk is in the first index, each chunk of a longer one in the second.
    "CREATE VIRTUAL TABLE conversation_fts USING fts5(document, content='conversation_search', "
    "content_rowid='chunk_id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE conversation_fts_several USING fts5(document, content='conversation_search', "
    "content_rowid='chunk_id', tokenize='unicode61 remove_diacritics 2')",
    *[f"INSERT INTO {index} ({index}, rank) VALUES ('automerge', {AUTOMERGE})" for index in FTS_INDEXES],
    # The FTS indexes follow their content table.
    "CREATE TRIGGER conversation_search_ai AFTER INSERT ON conversation_search BEGIN "
    "INSERT INTO conversation_fts (rowid, document) SELECT new.chunk_id, new.document WHERE NOT new.several; "
    "INSERT INTO conversation_fts_several (rowid, document) SELECT new.chunk_id, new.document WHERE new.several; END",
    "CREATE TRIGGER conversation_search_ad AFTER DELETE ON conversation_search BEGIN "
    "INSERT INTO conversation_fts (conversation_fts, rowid, document) "
    "SELECT 'delete', old.chunk_id, old.document WHERE NOT old.several; "
    "INSERT INTO conversation_fts_several (conversation_fts_several, rowid, document) "
    "SELECT 'delete', old.chunk_id, old.document WHERE old.several; END",
    "CREATE TRIGGER conversation_search_au AFTER UPDATE ON conversation_search BEGIN "
    "INSERT INTO conversation_fts (conversation_fts, rowid, document) "
    "SELECT 'delete', old.chunk_id, old.document WHERE NOT old.several; "
    "INSERT INTO conversation_fts_several (conversation_fts_several, rowid, document) "
    "SELECT 'delete', old.chunk_id, old.document WHERE old.several; "
    "INSERT INTO conversation_fts (rowid, document) SELECT new.chunk_id, new.document WHERE NOT new.several; "
    "INSERT INTO conversation_fts_several (rowid, document) SELECT new.chunk_id, new.document WHERE new.several; END",
    f"CREATE TRIGGER search_conversation_delete AFTER DELETE ON conversations BEGIN "
    f"DELETE FROM conversation_search WHERE {_chunk_range('old.id')}; END",
    *BACKLOG_UP,
]
SQLITE_BACKFILL = [_sqlite_build("1 = 1", "1 = 1").rstrip(";")]
# The first index's triggers and tables have the same names; the second FTS table is new.
SQLITE_DOWN = [*BACKLOG_DOWN, "DROP TABLE IF EXISTS conversation_fts_several", *search_index_v1.SQLITE_DOWN]

# Tables the search index owns (with FTS5's shadow tables); not in the models, so autogenerate skips them.
SEARCH_TABLE_PREFIXES = ("conversation_fts", "conversation_search", "search_progress")


SEARCH_INDEXES = ("ix_conversation_search_fts",)


def include_in_autogenerate(name, type_, parent_names) -> bool:
    """Alembic ``include_name`` hook: leave the search index's tables and indexes to its own migration."""
    if type_ == "table" and name and name.startswith(SEARCH_TABLE_PREFIXES):
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)


# PostgreSQL keeps the first index's one document per conversation (services/search_index_v1.py).
# Chunks answered the same searches on it 3 to 10 times slower in every form tried: its planner
# could no longer walk the page's activity index checking one document per conversation by its
# key, the plan that makes a common word's first page cost under a millisecond. A message there
# appends to a tsvector (no whole document is parsed again), and a send's cost grew far less with
# its thread than on SQLite (bench/README.md). Since migration 0016 its documents keep each word
# once, without positions: see keep_words_only.
def install_search_index(connection, backfill: bool = True) -> None:
    if connection.dialect.name == "postgresql":
        # The first index's table and triggers, whose functions then build documents without
        # positions, before any document is built.
        search_index_v1.install_search_index(connection, backfill=False)
        _define_postgres_functions(connection, positions=False)
        if backfill:
            connection.exec_driver_sql(search_index_v1.postgres_backfill(positions=False))
        return
    for statement in SQLITE_UP + (SQLITE_BACKFILL if backfill else []):
        connection.exec_driver_sql(statement)


def keep_words_only(connection) -> None:
    """PostgreSQL: documents of words without their positions, from now on and for those there are.

    Matching needs no positions (``@@`` with ``&``, ``|`` and prefixes; no phrases, no ranking).
    With them a document held every occurrence of every word, so each message's append detoasted,
    merged and wrote back a document that grew with its thread: 0.7–1.0 ms of a send's trigger for
    a conversation of 30 kB, against 0.10–0.14 ms once stripped (bench/README.md).
    """
    _define_postgres_functions(connection, positions=False)
    connection.exec_driver_sql("UPDATE conversation_search SET document = strip(document)")
    # Rewriting every document left the new index entries in the GIN index's pending list, which
    # each search scans whole until a vacuum merges it (the admin's "Kim": 94 ms, against 27 after).
    # Merged here; the dead rows are autovacuum's.
    connection.exec_driver_sql("SELECT gin_clean_pending_list('ix_conversation_search_fts')")
    connection.exec_driver_sql("ANALYZE conversation_search")


def keep_positions(connection) -> None:
    """PostgreSQL: back to documents with positions (0016's downgrade), every document built again."""
    _define_postgres_functions(connection, positions=True)
    connection.exec_driver_sql("DELETE FROM conversation_search")
    connection.exec_driver_sql(search_index_v1.postgres_backfill(positions=True))


def _define_postgres_functions(connection, *, positions: bool) -> None:
    """The trigger functions that build PostgreSQL's documents, with or without positions."""
    for statement in search_index_v1.postgres_functions(positions=positions):
        connection.exec_driver_sql(statement)


def remove_search_index(connection) -> None:
    if connection.dialect.name == "postgresql":
        search_index_v1.remove_search_index(connection)
        return
    for statement in SQLITE_DOWN:
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
    scope = scope_terms(principal)
    if _is_postgres(session):
        documents = select(literal_column("conversation_id")).select_from(text("conversation_search")).where(
            text("document @@ to_tsquery('simple', :search_query)").bindparams(
                bindparam("search_query", _match_expression(terms, scope, postgres=True))))
        return Conversation.id.in_(documents)
    # A conversation of one chunk has every word in it; one of several chunks, each word in one of them.
    in_one_chunk = _conversations_matching("conversation_fts", _match_expression(terms, scope, False), "all")
    in_several_chunks = intersect(*(
        _conversations_matching("conversation_fts_several", _match_expression([term], scope, False), str(number))
        for number, term in enumerate(terms)
    )).subquery()
    # One list of matches (two lists made SQLite look up every match of each: 40 ms against 27
    # for an admin's two common words). UNION ALL: the chunk lists share no conversation (the
    # backlog's may repeat one, which IN does not mind), and a UNION would first sort every match
    # of a common word.
    matches = union_all(in_one_chunk, select(in_several_chunks.c.conversation_id), _backlog_matches(terms)).subquery()
    return Conversation.id.in_(select(matches.c.conversation_id))


def _backlog_matches(terms: list[str]):
    """The conversations where a message not yet indexed (the backlog) has one of the words, and
    every word is in those messages or in their chunks. The backlog is one batch at most, and a
    conversation none of whose new messages has a word is matched by the index alone.

    The chunks of these few conversations are read and matched here, word by word, rather than
    asked of FTS5 one conversation at a time: for a common word each such question read much of
    its postings (a two-word search with a full batch waiting took 150 ms, against 35 without)."""
    words = {f"backlog_word_{number}": _folded(term) for number, term in enumerate(terms)}
    has_a_word = " OR ".join(f"search_words_match(content, :{name})" for name in words)
    conversation = "backlog.conversation_id"
    every_word = [text(
        f"(EXISTS (SELECT 1 FROM messages pending WHERE pending.conversation_id = {conversation} "
        f"AND pending.id > {_INDEXED_THROUGH} AND search_words_match(pending.content, :{name})) "
        f"OR EXISTS (SELECT 1 FROM conversation_search chunk WHERE chunk.{_chunk_range(conversation)} "
        f"AND search_words_match(chunk.document, :{name})))").bindparams(bindparam(name, word))
        for name, word in words.items()]
    # NOT INDEXED: for the DISTINCT, SQLite would rather walk the conversation index through every
    # message (50 ms at 1M) than read the few past the mark by their ids.
    candidates = text(f"(SELECT DISTINCT conversation_id FROM messages NOT INDEXED WHERE id > {_INDEXED_THROUGH} "
                      f"AND ({has_a_word})) AS backlog").bindparams(*(bindparam(name, word) for name, word in words.items()))
    return select(literal_column(conversation)).select_from(candidates).where(*every_word)


def define_sql_functions(connection: sqlite3.Connection) -> None:
    """What SQLite's search statements call besides SQL (every SQLite connection of the app)."""
    connection.create_function("search_words_match", 2, words_match, deterministic=True)


def words_match(content: str | None, term: str) -> bool:
    """Whether ``content`` has the word ``term`` (folded) as the indexes match it: by prefix, or
    whole when it is a single character."""
    words = WORD.findall(_folded(content or ""))
    if len(term) < PREFIX_MIN_LENGTH:
        return term in words
    return any(word.startswith(term) for word in words)


def _conversations_matching(index: str, expression: str, name: str):
    """The conversations with a chunk in the FTS5 ``index`` that matches ``expression``."""
    return select(literal_column(f"rowid / {CHUNK_IDS}").label("conversation_id")).select_from(text(index)).where(
        text(f"{index} MATCH :search_{name}").bindparams(bindparam(f"search_{name}", expression)))


@dataclass(frozen=True)
class MessageMatch:
    message_id: int
    conversation_id: int
    content: str


def _folded(value: str) -> str:
    """Lower case without accents, as the indexes compare words."""
    if value.isascii():  # most text, with no accent to take off: in half the time
        return value.lower()
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
