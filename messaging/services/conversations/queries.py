"""Reading conversations: the thread, the inbox page, the badge and attachment downloads.

Nothing here writes. Every query starts from :mod:`.scope`, so it sees only what the
principal's role policy allows.
"""
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from messaging.identity import Principal
from messaging.models import (
    Conversation,
    ConversationStatus,
    ConversationType,
    Message,
    MessageAttachment,
    ParticipantType,
)
from messaging.policy import escalated_clause, own_row_join, scope_clause, scope_parts
from messaging.prepared_statements import PreparedSelect, parameter
from messaging.roles import policy_for
from messaging.services.attachments import MessageAttachmentService
from messaging.services.conversations import assembly
from messaging.services.conversations.cases import may_escalate
from messaging.services.conversations.scope import OWN_ROW, ScopedConversation, as_scoped, load_scoped, scoped_select
from messaging.services.conversations.validation import THREAD_PAGE_SIZE, checked_paging, checked_search
from messaging.services.errors import NotFound
from messaging.services.read_models import AttachmentInfo, ConversationDetail, ConversationPage
from messaging.services.search import search_clause


def _unread_total_statement(principal_type: ParticipantType) -> Select:
    # The principal of this role, with its ids left as parameters: the same scope rules, built once.
    caller = Principal(principal_type, parameter("principal_id"), "", parameter("vendor_id"))
    query = (
        select(func.coalesce(func.sum(OWN_ROW.unread_count), 0))
        .select_from(OWN_ROW)
        .where(
            OWN_ROW.participant_type == principal_type,
            OWN_ROW.participant_id == caller.id,
            OWN_ROW.unread_count > 0,
        )
    )
    # Where the role's own rows are all in scope, the sum reads the partial
    # index alone, with no lookup of the conversation per unread row.
    if not policy_for(caller).own_rows_always_in_scope:
        query = query.join(Conversation, Conversation.id == OWN_ROW.conversation_id).where(
            scope_clause(caller, OWN_ROW)
        )
    return query


# The badge runs on every poll of every open page: its statement is compiled once per role.
_UNREAD_TOTALS = {
    principal_type: PreparedSelect(partial(_unread_total_statement, principal_type))
    for principal_type in ParticipantType
}


@dataclass(frozen=True)
class ListFilters:
    status: ConversationStatus | None = None
    conversation_type: ConversationType | None = None
    unread_only: bool = False
    search: str = ""
    page: int = 1
    # Marketplace cases (decisions §7): escalated and not resolved; about one order or product.
    escalated_only: bool = False
    context_type: str | None = None
    context_ref: str | None = None
    per_page: int = 20


@dataclass(frozen=True)
class AttachmentDownload:
    info: AttachmentInfo
    path: str


class ConversationQueries:
    def __init__(self, session: Session, attachments: MessageAttachmentService):
        self.session = session
        self.attachments = attachments

    def thread(
        self, principal: Principal, conversation_id: int, *, before_message_id: int | None = None
    ) -> ConversationDetail:
        return self.thread_of(principal, load_scoped(self.session, principal, conversation_id),
                              before_message_id=before_message_id)

    def thread_of(
        self, principal: Principal, scoped: ScopedConversation, *, before_message_id: int | None = None
    ) -> ConversationDetail:
        """The thread of an already loaded conversation: its latest messages, or those before one."""
        conversation_id = scoped.conversation.id
        newest_first, attachments = assembly.messages_with_attachments(
            self.session, conversation_id, before_message_id=before_message_id, limit=THREAD_PAGE_SIZE + 1
        )
        messages = list(reversed(newest_first[:THREAD_PAGE_SIZE]))
        participants = assembly.participants_of(self.session, [conversation_id])[conversation_id]
        names = assembly.sender_names(self.session, messages, participants)
        summary = assembly.summary_of(scoped, participants)
        return ConversationDetail(
            **assembly.summary_fields(summary),
            messages=[
                assembly.message_item(m, names[(m.sender_type, m.sender_id)], attachments[m.id]) for m in messages
            ],
            has_more_messages=len(newest_first) > THREAD_PAGE_SIZE,
            email_notifications=scoped.email_notifications,
            can_reply=summary.is_open,
            can_close=policy_for(principal).can_close,
            can_escalate=may_escalate(policy_for(principal), summary),
            can_resolve=policy_for(principal).can_resolve and summary.is_escalated,
        )

    def page(self, principal: Principal, filters: ListFilters) -> ConversationPage:
        checked_paging(filters.page, filters.per_page)
        conditions = _filter_conditions(self.session, principal, filters)
        rows = self.session.execute(
            scoped_select(principal)
            .where(*conditions)
            .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        ).all()
        scoped = [as_scoped(row) for row in rows]
        participants = assembly.participants_of(self.session, [item.conversation.id for item in scoped])
        items = [assembly.summary_of(item, participants[item.conversation.id]) for item in scoped]
        total, more_than_total = self._total(principal, filters, conditions)
        return ConversationPage(
            items=items, total=total, page=filters.page, per_page=filters.per_page, total_is_exact=not more_than_total,
        )

    def _total(self, principal: Principal, filters: ListFilters, conditions: list) -> tuple[int, bool]:
        """How many conversations match, counted no further than :func:`counted_up_to`, and
        whether there are more than that (the count is then a lower bound)."""
        # The total counts conversations, so it joins the caller's own row only when a condition needs it;
        # a scope of several parts (a mediator's) is counted part by part, in one statement.
        limit = counted_up_to(filters)
        counts = []
        for part in scope_parts(principal, OWN_ROW):
            query = select(Conversation.id).select_from(Conversation)
            if part.own_row_join == "inner" or (filters.unread_only and part.own_row_join is None):
                query = query.join(OWN_ROW, own_row_join(principal, OWN_ROW))
            elif part.own_row_join == "outer":
                # An unread filter on this part finds nothing (no own row), which is right: nothing is unread.
                query = query.outerjoin(OWN_ROW, own_row_join(principal, OWN_ROW))
            matching = query.where(part.condition, *conditions).limit(limit + 1).subquery()
            counts.append(select(func.count()).select_from(matching))
        if len(counts) == 1:
            total = self.session.scalar(counts[0])
        else:
            total = self.session.scalar(select(sum((count.scalar_subquery() for count in counts[1:]),
                                                   counts[0].scalar_subquery())))
        return min(total, limit), total > limit

    def unread_total(self, principal: Principal) -> int:
        """The header badge: unread messages summed over the caller's conversations in scope."""
        total = _UNREAD_TOTALS[principal.type].execute(
            self.session, principal_id=principal.id, vendor_id=principal.vendor_id
        ).scalar()
        return int(total or 0)

    def attachment(self, principal: Principal, conversation_id: int, attachment_id: int) -> AttachmentDownload:
        load_scoped(self.session, principal, conversation_id)
        attachment = self.session.scalar(
            select(MessageAttachment)
            .join(Message, Message.id == MessageAttachment.message_id)
            .where(MessageAttachment.id == attachment_id, Message.conversation_id == conversation_id)
        )
        if attachment is None:
            raise NotFound("Attachment not found.")
        return AttachmentDownload(
            info=assembly.attachment_info(attachment, conversation_id),
            path=str(self.attachments.absolute_path(attachment.storage_path)),
        )


# Counting every match of a list costs as much as there are matches (13,000 conversations for an
# admin's search of a common word, all 100,000 of a busy admin inbox): past this many the total
# says "more than" instead. Later pages count a little past themselves, so "Next" always knows.
TOTAL_COUNTED_UP_TO = 1000
PAGES_COUNTED_AHEAD = 5


def counted_up_to(filters: ListFilters) -> int:
    return max(TOTAL_COUNTED_UP_TO, (filters.page + PAGES_COUNTED_AHEAD) * filters.per_page)


def _filter_conditions(session: Session, principal: Principal, filters: ListFilters) -> list:
    conditions = []
    if filters.status is not None:
        conditions.append(Conversation.status == filters.status)
    if filters.conversation_type is not None:
        conditions.append(Conversation.conversation_type == filters.conversation_type)
    if filters.unread_only:
        conditions.append(OWN_ROW.unread_count > 0)
    if filters.escalated_only:
        # Only shop–customer conversations are ever escalated; saying so lets the list be read from
        # the index of escalated conversations instead of filtering the whole activity order.
        conditions.append(and_(Conversation.conversation_type == ConversationType.VENDOR_CUSTOMER, escalated_clause()))
    if filters.context_type:
        conditions.append(Conversation.context_type == filters.context_type)
    if filters.context_ref:
        conditions.append(Conversation.context_ref == filters.context_ref.strip())
    search = checked_search(filters.search)
    if search:
        # Full text (messages, subject, case context, people, shop): services/search.py keeps the index in step.
        conditions.append(search_clause(session, search, principal))
    return conditions
