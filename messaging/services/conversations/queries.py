"""Reading conversations: the thread, the inbox page, the badge and attachment downloads.

Nothing here writes. Every query starts from :mod:`.scope`, so it sees only what the
principal's role policy allows.
"""
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

from flask import current_app
from sqlalchemy import Select, and_, func, select, true
from sqlalchemy.orm import Session

from messaging.bounded_memory import app_memory
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
from messaging.prepared_statements import PreparedStatement, parameter
from messaging.roles import policy_for
from messaging.services.attachments import MessageAttachmentService
from messaging.services.conversations import assembly
from messaging.services.conversations.cases import may_escalate
from messaging.services.conversations.context import URL_TEMPLATE_SETTINGS
from messaging.services.conversations.scope import (
    OWN_ROW,
    ScopedConversation,
    as_scoped,
    caller_of,
    caller_parameters,
    load_scoped,
    scoped_select,
)
from messaging.services.conversations.validation import THREAD_PAGE_SIZE, checked_paging, checked_search
from messaging.services.errors import NotFound
from messaging.services.read_models import AttachmentInfo, ConversationDetail, ConversationPage, ConversationSummary
from messaging.services.search import search_clause


def unread_total_statement(caller: Principal) -> Select:
    """The caller's unread messages summed over their conversations in scope: the header badge.

    ``caller``'s ids may be parameters (:func:`caller_of`) or columns of an enclosing statement
    (the sign-in check that reads the total with it, :mod:`messaging.services.accounts`).
    """
    query = (
        select(func.coalesce(func.sum(OWN_ROW.unread_count), 0))
        .select_from(OWN_ROW)
        .where(
            OWN_ROW.participant_type == caller.type,
            OWN_ROW.participant_id == caller.id,
            OWN_ROW.unread_count > 0,
        )
    )
    # Where the role's own rows are all in scope, or in scope by the shop each row carries, the sum
    # reads a partial index alone, with no lookup of the conversation per unread row.
    policy = policy_for(caller)
    if policy.own_rows_in_scope_by_vendor:
        query = query.where(~true() if caller.vendor_id is None else OWN_ROW.vendor_id == caller.vendor_id)
    elif not policy.own_rows_always_in_scope:
        query = query.join(Conversation, Conversation.id == OWN_ROW.conversation_id).where(
            scope_clause(caller, OWN_ROW)
        )
    return query


def _unread_total_of_role(principal_type: ParticipantType) -> Select:
    return unread_total_statement(caller_of(principal_type))


# The badge runs on every poll of every open page: its statement is compiled once per role.
_UNREAD_TOTALS = {
    principal_type: PreparedStatement(partial(_unread_total_of_role, principal_type))
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


def _total_with(rows: list, filters: ListFilters, count: Callable[[], int]) -> int:
    """How many match: as the page's rows tell it (counted in their statement), or, for a page past
    the last, counted apart; an empty first page means none."""
    if rows:
        return rows[0].matching
    return 0 if filters.page == 1 else count()


def listed_summaries(rows: list) -> list[ConversationSummary]:
    """The summaries of a page's rows, each made once per process for the values its row holds.

    An inbox is polled, and a poll mostly lists what the last one did: making a summary (its
    participants' JSON read, its record built) cost more than reading its row. A summary is a
    function of its row, all but the page's total (the last column), and of the configured links
    of orders and products, so those are the key. Summaries are frozen and nothing changes them
    after they are made; a remembered one is handed to any request that lists the same values.
    """
    remembered = app_memory(_LISTED_SUMMARIES)
    links = tuple(current_app.config.get(setting) for setting in URL_TEMPLATE_SETTINGS.values())
    summaries = []
    for row in rows:
        key = (links, row[:-1])
        summary = remembered.get(key)
        if summary is None:
            summary = remembered.keep(key, assembly.summary_of(as_scoped(row), assembly.participants_from(row.participants)))
        summaries.append(summary)
    return summaries


_LISTED_SUMMARIES = "listed_conversation_summaries"


class ConversationQueries:
    def __init__(self, session: Session, attachments: MessageAttachmentService):
        self.session = session
        self.attachments = attachments

    def thread(
        self, principal: Principal, conversation_id: int, *, before_message_id: int | None = None
    ) -> ConversationDetail:
        """The thread, access checked: its latest messages, or those before one."""
        return self.detail(principal, *assembly.scoped_thread(self.session, principal, conversation_id,
                                                              before_message_id=before_message_id))

    def detail(self, principal: Principal, scoped: ScopedConversation, page: assembly.ThreadPage) -> ConversationDetail:
        """The thread as shown, from the conversation and the page of messages :func:`assembly.scoped_thread` read."""
        messages = list(reversed(page.newest_first[:THREAD_PAGE_SIZE]))
        participants = page.participants
        names = assembly.sender_names(self.session, messages, participants)
        summary = assembly.summary_of(scoped, participants)
        return ConversationDetail(
            **assembly.summary_fields(summary),
            messages=[
                assembly.message_item(m, names[(m.sender_type, m.sender_id)], page.attachments[m.id]) for m in messages
            ],
            has_more_messages=len(page.newest_first) > THREAD_PAGE_SIZE,
            email_notifications=scoped.email_notifications,
            can_reply=summary.is_open,
            can_close=policy_for(principal).can_close,
            can_escalate=may_escalate(policy_for(principal), summary),
            can_resolve=policy_for(principal).can_resolve and summary.is_escalated,
        )

    def page(self, principal: Principal, filters: ListFilters) -> ConversationPage:
        checked_paging(filters.page, filters.per_page)
        search = checked_search(filters.search)
        shape = _ListShape.of(principal.type, filters)
        limit = counted_up_to(filters)
        values = caller_parameters(principal) | {
            "context_type": filters.context_type,
            "context_ref": (filters.context_ref or "").strip(),
            "per_page": filters.per_page,
            "skipped": (filters.page - 1) * filters.per_page,
            "counted_up_to": limit + 1,
        }
        if search:
            # Full text (messages, subject, case context, people, shop): services/search.py keeps the index in step.
            # Each search is its own statement; the lists without one are compiled once (below).
            found = search_clause(self.session, search, principal)
            rows = self.session.execute(_listing_statement(shape, found), values).all()
            total = _total_with(rows, filters, lambda: self.session.scalar(_total_statement(shape, found), values))
        else:
            rows = _listing(shape).rows(self.session, **values)
            total = _total_with(rows, filters, lambda: _total(shape).scalar(self.session, **values))
        items = listed_summaries(rows)
        return ConversationPage(
            items=items, total=min(total, limit), page=filters.page, per_page=filters.per_page,
            total_is_exact=total <= limit,
        )

    def unread_total(self, principal: Principal) -> int:
        """The header badge: unread messages summed over the caller's conversations in scope."""
        total = _UNREAD_TOTALS[principal.type].scalar(self.session, **caller_parameters(principal))
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
# Every poll of an inbox counts again: up to 1,000 it was 99 of the busiest shop's 223 µs of SQL
# per first page, up to 200 it is 24 (ten pages of 20 are more than anyone pages through).
TOTAL_COUNTED_UP_TO = 200
PAGES_COUNTED_AHEAD = 5


def counted_up_to(filters: ListFilters) -> int:
    return max(TOTAL_COUNTED_UP_TO, (filters.page + PAGES_COUNTED_AHEAD) * filters.per_page)


@dataclass(frozen=True)
class _ListShape:
    """What a list's statement depends on besides values given at each call: the role and which
    filters are set (a status or type filter by its value, which has few)."""

    principal_type: ParticipantType
    status: ConversationStatus | None
    conversation_type: ConversationType | None
    unread_only: bool
    escalated_only: bool
    by_context_type: bool
    by_context_ref: bool
    # A first page's size (and so how far its total counts) is written into its statement: PostgreSQL
    # then plans a prepared first page once for any caller (a LIMIT left as a parameter is costed at a
    # tenth of all rows, which made planning afresh at every call look cheaper: 1-3 ms of planning per
    # inbox). Later pages take their size, offset and count limit at each call.
    first_page_size: int | None
    first_page_counted_up_to: int | None

    @classmethod
    def of(cls, principal_type: ParticipantType, filters: ListFilters) -> "_ListShape":
        first_page = filters.page == 1
        return cls(principal_type, filters.status, filters.conversation_type, filters.unread_only,
                   filters.escalated_only, bool(filters.context_type), bool(filters.context_ref),
                   filters.per_page if first_page else None, counted_up_to(filters) + 1 if first_page else None)

    def conditions(self) -> list:
        conditions = []
        if self.status is not None:
            conditions.append(Conversation.status == self.status)
        if self.conversation_type is not None:
            conditions.append(Conversation.conversation_type == self.conversation_type)
        if self.unread_only:
            conditions.append(OWN_ROW.unread_count > 0)
        if self.escalated_only:
            # Only shop–customer conversations are ever escalated; saying so lets the list be read from
            # the index of escalated conversations instead of filtering the whole activity order.
            conditions.append(and_(Conversation.conversation_type == ConversationType.VENDOR_CUSTOMER,
                                   escalated_clause()))
        if self.by_context_type:
            conditions.append(Conversation.context_type == parameter("context_type"))
        if self.by_context_ref:
            conditions.append(Conversation.context_ref == parameter("context_ref"))
        return conditions


def _listing_statement(shape: _ListShape, *more_conditions) -> Select:
    """A page of the list, each row with its participants, and how many match in all (up to
    ``counted_up_to``) on every row: one statement for the whole page."""
    # Unless rows are picked by it (unread only, or a search's conditions), the own row is only read
    # beside each listed conversation: looked up per conversation, whatever the plan.
    query = (
        scoped_select(caller_of(shape.principal_type), own_row_by_lookup=not (shape.unread_only or more_conditions))
        .add_columns(assembly.participants_column(),
                     _total_statement(shape, *more_conditions).scalar_subquery().label("matching"))
        .where(*shape.conditions(), *more_conditions)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
    )
    if shape.first_page_size is not None:
        return query.limit(shape.first_page_size)
    return query.limit(parameter("per_page")).offset(parameter("skipped"))


def _total_statement(shape: _ListShape, *more_conditions) -> Select:
    """How many conversations match, counted no further than ``counted_up_to`` (one more than
    :func:`counted_up_to`, so the caller knows whether there are more)."""
    # The total counts conversations, so it joins the caller's own row only when a condition needs it;
    # a scope of several parts (a mediator's) is counted part by part, in one statement.
    caller = caller_of(shape.principal_type)
    counts = []
    for part in scope_parts(caller, OWN_ROW):
        query = select(Conversation.id).select_from(Conversation)
        if part.own_row_join == "inner" or (shape.unread_only and part.own_row_join is None):
            query = query.join(OWN_ROW, own_row_join(caller, OWN_ROW))
        elif part.own_row_join == "outer":
            # An unread filter on this part finds nothing (no own row), which is right: nothing is unread.
            query = query.outerjoin(OWN_ROW, own_row_join(caller, OWN_ROW))
        matching = query.where(part.condition, *shape.conditions(), *more_conditions)
        counts.append(select(func.count()).select_from(matching.limit(_count_limit(shape)).subquery()))
    if len(counts) == 1:
        return counts[0]
    return select(sum((count.scalar_subquery() for count in counts[1:]), counts[0].scalar_subquery()))


def _count_limit(shape: _ListShape):
    """How far a total counts, in its statement: written in for a first page, like the page's size."""
    if shape.first_page_counted_up_to is None:
        return parameter("counted_up_to")
    return shape.first_page_counted_up_to


# The inbox's first page is the second most frequent read after the badge: each list shape's
# statements are compiled once.
@cache
def _listing(shape: _ListShape) -> PreparedStatement:
    # An inbox page's first read: the sign-in check may ride on it (messaging/carried_checks.py).
    return PreparedStatement(partial(_listing_statement, shape), carries_checks=True)


@cache
def _total(shape: _ListShape) -> PreparedStatement:
    return PreparedStatement(partial(_total_statement, shape))
