"""Writing conversations: each write is a named path built from small steps.

- :meth:`ConversationCommands.start_conversation` — a new conversation with its first message;
- :meth:`ConversationCommands.post_message` — a participant's message in an open conversation;
- :meth:`ConversationCommands.change_status` — close or reopen, recorded by a system note;
- :meth:`ConversationCommands.mark_read` and :meth:`ConversationCommands.set_email_notifications`.

The steps add and flush; they never commit. The caller's unit of work
(:mod:`messaging.unit_of_work`) commits once, so a message, its counters, its files and
whatever else the request wrote land together or not at all. (One exception, by the
caller's leave: on PostgreSQL a message of text alone is one statement, which a view whose
last write it is lets commit itself: :func:`messaging.unit_of_work.committing_at_once`.)
Counters move with single SQL updates (``x = x + 1``), never read-modify-write.
"""
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import BigInteger, DateTime, insert, select, true, union_all, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from messaging import live
from messaging.clock import utcnow
from messaging.identity import Principal
from messaging.live.audiences import conversation_audiences_in_sql
from messaging.live.events import Reach
from messaging.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    ConversationType,
    Message,
    MessageAttachment,
    ParticipantType,
)
from messaging.notifications.outbox import OTHERS_IN_CONVERSATION, email_marks, notification_service
from messaging.prepared_statements import PreparedStatement, parameter, with_fixed_values_inline
from messaging.roles import RolePolicy, policy_for
from messaging.services import search_backlog
from messaging.services.attachments import MessageAttachmentService, StoredFile, Upload, ValidatedFile
from messaging.services.conversations import assembly
from messaging.services.conversations.assembly import MessageRow
from messaging.services.conversations.recipients import RecipientDirectory
from messaging.services.conversations.scope import (
    ScopedConversation,
    caller_parameters,
    in_scope_by_id,
    load_scoped,
    own_row_id_by_id,
)
from messaging.services.conversations.validation import (
    checked_content,
    checked_subject,
    preview_of,
    require_text_or_files,
)
from messaging.services.errors import ConversationClosed, InvalidInput, NotAllowed
from messaging.services.read_models import ConversationContext, MessageItem
from messaging.unit_of_work import after_rollback

STATUS_NOTES = {ConversationStatus.CLOSED: "Closed by", ConversationStatus.OPEN: "Reopened by"}


@dataclass(frozen=True)
class NewConversation:
    conversation_type: ConversationType
    subject: str
    recipient_type: ParticipantType
    recipient_id: int
    initial_message: str
    vendor_id: int | None = None
    uploads: tuple[Upload, ...] | list[Upload] = ()
    # What it is about on the host marketplace (decisions §7), already checked.
    context: ConversationContext | None = None


class ConversationCommands:
    def __init__(self, session: Session, attachments: MessageAttachmentService):
        self.session = session
        self.attachments = attachments

    # ------------------------------------------------------------------ named paths

    def start_conversation(self, principal: Principal, draft: NewConversation) -> int:
        """Open a conversation with its first message; returns its id."""
        policy = policy_for(principal)
        _check_may_start(policy, draft)
        subject = checked_subject(draft.subject)
        content = checked_content(draft.initial_message)
        files = self.attachments.validate_all(draft.uploads)
        require_text_or_files(content, files, field="initial_message")
        vendor_id = RecipientDirectory(self.session).vendor_of_choice(
            principal, policy, draft.recipient_type, draft.recipient_id, draft.vendor_id
        )
        now = utcnow()
        conversation = self._open_conversation(principal, draft, subject, vendor_id, preview_of(content, files), now)
        message = self.write_message(conversation.id, principal, content, now)
        self.attach_files(message, files, now)
        self.mark_for_email(message, principal)
        live.announce(self.session, live.CONVERSATION_STARTED, conversation.id, message_id=message.id)
        return conversation.id

    def post_message(
        self, principal: Principal, conversation_id: int, content: str, uploads: list[Upload] = ()
    ) -> MessageItem:
        """A message in an open conversation: every other participant gets one more unread."""
        text = _text_alone(content, uploads)
        if text is None:
            # Files, or input to refuse: what the caller may not see answers 404 before any 422, and
            # the files go to disk before the first write.
            scoped = load_scoped(self.session, principal, conversation_id)
            if scoped.conversation.status != ConversationStatus.OPEN:
                raise ConversationClosed()
            content = checked_content(content)
            files = self.attachments.validate_all(uploads)
            require_text_or_files(content, files, field="content")
        else:
            # The usual message: the guarded UPDATE checks the scope itself, so nothing is read first.
            content, files = text, []
        now = utcnow()
        # Files go to disk before the first write: writing them holds no row lock (PostgreSQL)
        # and keeps no other writer waiting (SQLite's one writer, messaging/sqlite_write_lock.py).
        stored = self.store_files(conversation_id, files, now)
        preview = preview_of(content, files)
        if self.session.get_bind().dialect.name == "postgresql":
            return self._post_in_one_statement(principal, conversation_id, content, now, preview, stored)
        counted, is_participant = self._record_activity(principal, conversation_id, now, preview)
        if not is_participant:
            self.take_part(conversation_id, principal, now=now)
        message = self.write_message(conversation_id, principal, content, now)
        # Counted unread and marked for the others' emails in one UPDATE (messaging/notifications/outbox.py).
        others = self._count_unread_for_others(message, principal)
        attachments = self.record_attachments(message, stored, now)
        # Who may see it, from what the two UPDATEs returned (the sender is a participant by now): no read.
        reach = Reach.of(*counted, [*others, (principal.type, principal.id)])
        live.announce(self.session, live.MESSAGE_POSTED, conversation_id, message_id=message.id, reach=reach)
        return assembly.message_item(message, principal.name, attachments)

    def change_status(self, principal: Principal, conversation_id: int, new_status: ConversationStatus) -> bool:
        """Close or reopen; True when this call made the change (False: it already was so)."""
        scoped = load_scoped(self.session, principal, conversation_id)
        if not policy_for(principal).can_close:
            raise NotAllowed("You cannot close or reopen conversations.")
        if scoped.conversation.status == new_status:
            return False
        now = utcnow()
        changed = self._set_status(conversation_id, new_status, now)
        if changed:
            if not scoped.is_participant:
                self.take_part(conversation_id, principal, now=now)
            self.post_system_note(conversation_id, principal, f"{STATUS_NOTES[new_status]} {principal.name}", now)
            live.announce(self.session, live.STATUS_CHANGED, conversation_id, status=new_status.value)
        return changed

    def post_system_note(self, conversation_id: int, author: Principal, text: str, now: datetime) -> MessageRow:
        """A note of something that happened ("Closed by …"): shown in the thread, never unread, never the preview."""
        return self.write_message(conversation_id, author, text, now, is_system=True)

    def mark_read(self, principal: Principal, conversation_id: int) -> bool:
        """Zero the caller's unread count; True when there was something unread (else nothing is written)."""
        return self.mark_loaded_read(principal, load_scoped(self.session, principal, conversation_id))

    def mark_loaded_read(self, principal: Principal, scoped: ScopedConversation) -> bool:
        if not scoped.is_participant or scoped.unread_count == 0:
            return False
        self.session.execute(
            update(ConversationParticipant)
            .where(ConversationParticipant.id == scoped.own_row_id)
            .values(unread_count=0, last_read_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        # The reader's other tabs clear their unread mark and badge.
        live.announce_read(self.session, principal, scoped.conversation.id)
        return True

    def set_email_notifications(self, principal: Principal, conversation_id: int, enabled: bool) -> bool:
        load_scoped(self.session, principal, conversation_id)
        own_row = self.join_as_participant(conversation_id, principal)
        own_row.email_notifications = bool(enabled)
        self.session.flush()
        return own_row.email_notifications

    # ------------------------------------------------------------------ steps

    def _open_conversation(
        self, principal: Principal, draft: NewConversation, subject: str, vendor_id: int, preview: str, now: datetime
    ) -> Conversation:
        conversation = Conversation(
            conversation_type=draft.conversation_type,
            subject=subject,
            status=ConversationStatus.OPEN,
            vendor_id=vendor_id,
            created_by_type=principal.type,
            created_by_id=principal.id,
            created_at=now,
            last_message_at=now,
            message_count=1,
            last_message_preview=preview,
        )
        if draft.context is not None:
            conversation.context_type = draft.context.type
            conversation.context_ref = draft.context.ref
            conversation.context_label = draft.context.label or None
        conversation.participants = [
            ConversationParticipant(
                participant_type=principal.type, participant_id=principal.id, unread_count=0,
                joined_at=now, last_read_at=now, vendor_id=conversation.vendor_id,
            ),
            ConversationParticipant(
                participant_type=draft.recipient_type, participant_id=draft.recipient_id, unread_count=1,
                joined_at=now, vendor_id=conversation.vendor_id,
            ),
        ]
        self.session.add(conversation)
        self.session.flush()
        return conversation

    def _record_activity(self, principal: Principal, conversation_id: int, now: datetime, preview: str) -> tuple:
        """Count the message on the conversation, only while it is open and the caller may see it.

        Returns what decides who sees the message, and whether the caller has taken part in the
        conversation. The guarded UPDATE locks the row (PostgreSQL), so a close running at the
        same moment cannot slip between the status check and the new message.
        """
        counted = _COUNT_MESSAGE_WHILE_OPEN[principal.type].rows(
            self.session, now=now, preview=preview, conversation_id=conversation_id, **caller_parameters(principal)
        )
        if not counted:
            load_scoped(self.session, principal, conversation_id)  # NotFound when it is not theirs to see
            raise ConversationClosed()
        *reach, own_row_id = counted[0]
        return tuple(reach), own_row_id is not None

    def _post_in_one_statement(
        self, principal: Principal, conversation_id: int, content: str, now: datetime, preview: str,
        stored: list[StoredFile],
    ) -> MessageItem:
        """PostgreSQL: the message and all it writes in one statement (:func:`_post_in_one_statement`).

        A message of text alone is a transaction of its own where the request has begun none (the
        usual send): one round trip, committed as it returns, and the conversation's row is locked
        only while the database runs it. A caller who has not taken part yet joins first, and the
        statement then runs in the transaction of that join, as it does for a message with files
        (their rows are written after it, in the same transaction).
        """
        arguments = dict(
            conversation_id=conversation_id, in_conversation=conversation_id, now=now, preview=preview,
            by_type=principal.type, by_id=principal.id, sender_type=principal.type, sender_id=principal.id,
            text=content, system=False, at=now, **caller_parameters(principal),
        )
        statement = _POST_IN_ONE_STATEMENT[principal.type]
        if stored:
            rows, committed = statement.rows(self.session, **arguments), False
        else:
            rows, committed = statement.rows_committing_alone(self.session, **arguments)
        if not rows:
            # Nothing written: not theirs to see (NotFound), closed, or they have not taken part yet.
            scoped = load_scoped(self.session, principal, conversation_id)
            if scoped.conversation.status != ConversationStatus.OPEN or scoped.own_row_id is not None:
                raise ConversationClosed()
            self.take_part(conversation_id, principal, now=now)
            rows, committed = statement.rows(self.session, **arguments), False
            if not rows:
                raise ConversationClosed()  # closed while they joined
        message = MessageRow(id=rows[0].message_id, conversation_id=conversation_id, sender_type=principal.type,
                             sender_id=principal.id, content=content, is_system_message=False, created_at=now)
        attachments = self.record_attachments(message, stored, now)
        recorded = [(row.event_id, row.audience) for row in rows if row.event_id is not None]
        live.publish_recorded(self.session, live.MESSAGE_POSTED, live.event_body(conversation_id, message_id=message.id),
                              recorded, committed=committed)
        return assembly.message_item(message, principal.name, attachments)

    def _set_status(self, conversation_id: int, new_status: ConversationStatus, now: datetime) -> bool:
        """False when a concurrent request made the same change first: nothing more to record."""
        result = self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.status != new_status)
            .values(
                status=new_status,
                closed_at=now if new_status == ConversationStatus.CLOSED else None,
                message_count=Conversation.message_count + 1,
                last_message_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def write_message(
        self, conversation_id: int, sender: Principal, content: str, now: datetime, *, is_system: bool = False
    ) -> MessageRow:
        # Not the ORM: nothing to track or read back, and a unit-of-work flush cost more than the INSERT.
        message_id = _INSERT_MESSAGE.scalar(
            self.session, in_conversation=conversation_id, by_type=sender.type, by_id=sender.id,
            text=content, system=is_system, at=now,
        )
        search_backlog.index_after_commit(self.session, message_id)
        # The message as written: what the INSERT was given, and the id it returned.
        return MessageRow(id=message_id, conversation_id=conversation_id, sender_type=sender.type, sender_id=sender.id,
                          content=content, is_system_message=is_system, created_at=now)

    def attach_files(self, message: MessageRow, files: list[ValidatedFile], now: datetime) -> list[MessageAttachment]:
        """Store the files and their rows; should the transaction not commit, the files go too."""
        return self.record_attachments(message, self.store_files(message.conversation_id, files, now), now)

    def store_files(self, conversation_id: int, files: list[ValidatedFile], now: datetime) -> list[StoredFile]:
        """The files on disk, taken away again should the transaction not commit."""
        if not files:
            return []
        stored = self.attachments.store_all(conversation_id, files, now=now)
        after_rollback(self.session, lambda: self.attachments.discard(stored))
        return stored

    def record_attachments(self, message: MessageRow, stored: list[StoredFile], now: datetime) -> list[MessageAttachment]:
        """The rows of the files :meth:`store_files` put on disk, on ``message``."""
        attachments = [
            MessageAttachment(
                message_id=message.id,
                original_filename=item.validated.filename,
                storage_path=item.storage_path,
                content_type=item.validated.content_type,
                size_bytes=item.validated.size_bytes,
                is_image=item.validated.is_image,
                created_at=now,
            )
            for item in stored
        ]
        self.session.add_all(attachments)
        if attachments:
            self.session.flush()
        return attachments

    def _count_unread_for_others(self, message: MessageRow, sender: Principal) -> list[tuple[ParticipantType, int]]:
        """One more unread for every other participant, the message marked for their email; returns who they are."""
        rows = _COUNT_UNREAD_FOR_OTHERS.rows(
            self.session, in_conversation=message.conversation_id, sender_type=sender.type, sender_id=sender.id,
            announced_message=message.id, announced_at=message.created_at,
        )
        return [tuple(row) for row in rows]

    def mark_for_email(self, message: MessageRow, sender: Principal) -> None:
        """A new conversation's first message marked for the recipients' email, in this same transaction
        (the worker queues and sends it)."""
        notification_service(self.session).notify_new_conversation(
            conversation_id=message.conversation_id, message_id=message.id, sender=sender, now=message.created_at,
        )

    def join_as_participant(self, conversation_id: int, principal: Principal, *, now=None) -> ConversationParticipant:
        """A team member who acts in a conversation becomes one of its participants; returns their row."""
        own_row = self._own_row(conversation_id, principal)
        if own_row is not None:
            return own_row
        self.take_part(conversation_id, principal, now=now)
        return self._own_row(conversation_id, principal)

    def take_part(self, conversation_id: int, principal: Principal, *, now=None) -> None:
        """Make the caller a participant unless they are one already: one INSERT, nothing read."""
        now = now or utcnow()
        # ON CONFLICT DO NOTHING: already a participant, or joined concurrently by another request
        # of the same principal; that row serves. (A SAVEPOINT would commit early under pysqlite
        # when it is the first write.)
        self.session.execute(
            insert_ignoring_duplicates(self.session, ConversationParticipant).values(
                conversation_id=conversation_id,
                participant_type=principal.type,
                participant_id=principal.id,
                unread_count=0,
                email_notifications=True,
                joined_at=now,
                last_read_at=now,
                vendor_id=select(Conversation.vendor_id).where(Conversation.id == conversation_id).scalar_subquery(),
            )
        )

    def _own_row(self, conversation_id: int, principal: Principal) -> ConversationParticipant | None:
        return self.session.scalar(
            select(ConversationParticipant).where(
                ConversationParticipant.conversation_id == conversation_id,
                ConversationParticipant.participant_type == principal.type,
                ConversationParticipant.participant_id == principal.id,
            )
        )


# The statements of every message sent, compiled once (messaging/prepared_statements.py): built
# per call, and run through SQLAlchemy's execution, they cost more than the database spends on them.
_CONVERSATIONS = Conversation.__table__
_PARTICIPANTS = ConversationParticipant.__table__
_MESSAGES = Message.__table__

def _count_message_while_open(principal_type: ParticipantType):
    """The conversation's counters for one more message, while it is open and within the caller's
    scope (messaging/policy.py, as every read applies it); returns who may see it and the caller's own row."""
    return (
        update(_CONVERSATIONS)
        .where(in_scope_by_id(principal_type), _CONVERSATIONS.c.status == ConversationStatus.OPEN)
        .values(
            message_count=_CONVERSATIONS.c.message_count + 1,
            last_message_at=parameter("now"),
            last_message_preview=parameter("preview"),
        )
        .returning(
            _CONVERSATIONS.c.conversation_type, _CONVERSATIONS.c.vendor_id,
            _CONVERSATIONS.c.escalated_at, _CONVERSATIONS.c.resolved_at,
            own_row_id_by_id(principal_type).label("own_row_id"),
        )
    )


_COUNT_MESSAGE_WHILE_OPEN = {principal_type: PreparedStatement(partial(_count_message_while_open, principal_type))
                             for principal_type in ParticipantType}


def _unread_for_others(message_id, at):
    """One more unread on every other participant's row, the message ``message_id`` marked for their
    email; returns who they are."""
    return (
        update(_PARTICIPANTS)
        .where(*OTHERS_IN_CONVERSATION)
        .values(unread_count=_PARTICIPANTS.c.unread_count + 1, **email_marks(message_id, at))
        .returning(_PARTICIPANTS.c.participant_type, _PARTICIPANTS.c.participant_id)
    )


_COUNT_UNREAD_FOR_OTHERS = PreparedStatement(lambda: _unread_for_others(
    parameter("announced_message", BigInteger()), parameter("announced_at", DateTime())))
# A message's columns and the parameters that give them, named apart from the columns: an INSERT
# keeps the columns' names for its own parameters.
_MESSAGE_PARAMETERS = {
    "conversation_id": "in_conversation", "sender_type": "by_type", "sender_id": "by_id",
    "content": "text", "is_system_message": "system", "created_at": "at",
}
_INSERT_MESSAGE = PreparedStatement(lambda: (
    insert(_MESSAGES)
    .values({column: parameter(name) for column, name in _MESSAGE_PARAMETERS.items()})
    .returning(_MESSAGES.c.id)
))


def _post_in_one_statement(principal_type: ParticipantType):
    """Everything a message in a conversation the caller has taken part in writes, chained
    (PostgreSQL runs data-modifying WITH clauses; SQLite does not): the conversation's counters,
    guarded as :func:`_count_message_while_open` and only where the caller already has a row; the
    message, where that counted it; the others' unread counts and email marks, where the message
    was written; and its live events, one per audience of the conversation and its people
    (:func:`messaging.live.audiences.conversation_audiences_in_sql`). One row per event, each with
    the message's id; none when nothing was written.

    Nothing is written for a caller who has not taken part: the statement may be a transaction of
    its own, and their counters must not be committed without their message.
    """
    counted = (
        _count_message_while_open(principal_type)
        .where(own_row_id_by_id(principal_type).is_not(None))
        .cte("counted")
    )
    written = (
        insert(_MESSAGES)
        .from_select(
            list(_MESSAGE_PARAMETERS),
            # Typed: in a SELECT's columns PostgreSQL cannot tell a parameter's type from its column.
            select(*(parameter(name, _MESSAGES.c[column].type) for column, name in _MESSAGE_PARAMETERS.items()))
            .select_from(counted),
        )
        .returning(_MESSAGES.c.id)
        .cte("written")
    )
    others = _unread_for_others(written.c.id, parameter("at", DateTime())).cte("others")
    people = union_all(
        select(others.c.participant_type, others.c.participant_id),
        select(parameter("sender_type", _PARTICIPANTS.c.participant_type.type),
               parameter("sender_id", _PARTICIPANTS.c.participant_id.type)),
    ).cte("people")
    events = live.message_events_in_sql(
        live.MESSAGE_POSTED, parameter("in_conversation", _MESSAGES.c.conversation_id.type), written,
        conversation_audiences_in_sql(counted, people), parameter("at", DateTime()),
    ).cte("events")
    return (
        select(written.c.id.label("message_id"), events.c.id.label("event_id"), events.c.audience)
        .select_from(written.outerjoin(events, true()))
    )


_POST_IN_ONE_STATEMENT = {
    principal_type: PreparedStatement(lambda principal_type=principal_type: with_fixed_values_inline(
        _post_in_one_statement(principal_type)))
    for principal_type in ParticipantType
}


def _text_alone(content: str | None, uploads) -> str | None:
    """The message's checked text when it is text alone and fit to send; None for files or input to refuse."""
    if uploads:
        return None
    try:
        return checked_content(content) or None
    except InvalidInput:
        return None


def _check_may_start(policy: RolePolicy, draft: NewConversation) -> None:
    if not policy.can_create:
        raise NotAllowed("You can reply to conversations but not start them.")
    if draft.conversation_type not in policy.creatable:
        raise NotAllowed(f"You cannot start {draft.conversation_type.value} conversations.")
    expected = policy.creatable[draft.conversation_type]
    if draft.recipient_type != expected:
        raise InvalidInput(
            f"A {draft.conversation_type.value} conversation goes to a {expected.value}.",
            fields={"recipient_type": f"Must be {expected.value}."},
        )


def insert_ignoring_duplicates(session: Session, model):
    """INSERT … ON CONFLICT DO NOTHING in the dialect of the session's database."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).on_conflict_do_nothing()
