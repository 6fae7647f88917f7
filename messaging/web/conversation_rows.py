"""What each row of the conversation list shows, worked out once per page in Python, and printed.

Per row, a url_for with the list's filters and the template's filter chains (and the
macros and includes they sat in) cost more than printing the row. The row's partial
(``messages/_conversation_row.html``) keeps the markup; :class:`ConversationRow` gives it
every value it prints and nothing else, so equal rows print equal markup and a printed row is
reused while its values stay the same (:mod:`messaging.web.printed_once`): a list polled
again with nothing new prints nothing again.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from markupsafe import Markup

from messaging.bounded_memory import BoundedMemory
from messaging.identity import Principal
from messaging.roles import RolePages
from messaging.services.read_models import ConversationContext, ConversationPage, ConversationSummary
from messaging.services.search import MessageMatch
from messaging.web.counterparts import counterpart_name
from messaging.web.forms import ListQuery
from messaging.web.path_ids import ID_MAX
from messaging.web.printed_once import printed_from
from messaging.web.thread_items import open_anchor

ROW_TEMPLATE = "messages/_conversation_row.html"


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """Everything one list row prints (with its role's pages): the key its markup is reused by."""

    id: int
    unread_count: int
    last_message_at: datetime
    subject: str
    preview: str
    # The thread with the list's filters, so the page around the thread shows the same list.
    href: str
    # Where the link lands without JavaScript: the matching message, the first unread one, or the newest.
    anchor: str
    counterpart: str
    type_chip: str
    # Only on pages that name the shop (the platform team's).
    vendor_name: str | None
    is_open: bool
    context: ConversationContext | None
    is_escalated: bool
    # The thread open beside the list.
    is_current: bool
    # A search's newest message with the words, shown instead of the preview, and the words.
    match_content: str | None = None
    search: str = ""


class ThreadLinks:
    """Links from one list page to its threads, with the list's filters: one url_for per page, not per row.

    The links of a page differ only by the conversation id (and a search match's ``before``), so
    one URL is built for a placeholder id and each row's id goes in its place: byte for byte what
    url_for gives (tests/web/test_conversation_rows.py holds them to it).
    """

    def __init__(self, pages: RolePages, list_args: dict):
        placeholder = str(ID_MAX)
        path, question_mark, query = pages.url("thread", conversation_id=ID_MAX, **list_args).partition("?")
        self._before_id, _, self._after_id = path.rpartition(placeholder)
        self._query = question_mark + query
        # What every link of the page is made of: equal keys, equal links.
        self.key = (self._before_id, self._after_id, self._query)

    def href(self, conversation_id: int, before: int | None = None) -> str:
        path = f"{self._before_id}{conversation_id}{self._after_id}"
        if before is None:
            return path + self._query
        # url_for writes ``before`` first: it comes before the filters among the values not in the path.
        filters = "&" + self._query[1:] if self._query else ""
        return f"{path}?before={before}{filters}"


def printed_rows(listing: ConversationPage, list_query: ListQuery, matches: dict[int, MessageMatch] | None,
                 principal: Principal, pages: RolePages, current_id: int | None = None) -> Markup:
    """The list's rows, each printed from its partial once for its values.

    A summary the service remembered (``queries.listed_summaries``) comes back as the same object
    while its conversation is unchanged, so its printed row is also kept by that object and what
    else the row depends on (the role, the list's links, whether it is the open thread): a
    polled list that shows what it showed prints nothing and works nothing out again. The
    summary is kept with its row, so an id is never mistaken for another object's.
    """
    template, role = current_app.jinja_env.get_template(ROW_TEMPLATE), pages.blueprint_name
    links = _links_of(listing, list_query, pages)
    printed = []
    for conversation in listing.items:
        match = matches.get(conversation.id) if matches else None
        key = (template, role, principal.type, links.key, id(conversation), conversation.id == current_id)
        remembered = _printed_rows.get(key)
        if match or remembered is None or remembered[0] is not conversation:
            row = _row_of(conversation, links, match, list_query, principal, pages, current_id)
            remembered = (conversation, printed_from(template, (role, row), row=row, pages=pages))
            if not match:
                _printed_rows.keep(key, remembered)
        printed.append(remembered[1])
    return Markup("").join(printed)


_printed_rows = BoundedMemory()


def _links_of(listing: ConversationPage, list_query: ListQuery, pages: RolePages) -> ThreadLinks:
    return ThreadLinks(pages, list_query.args(page=listing.page if listing.page > 1 else ""))


def _row_of(conversation: ConversationSummary, links: ThreadLinks, match: MessageMatch | None,
            list_query: ListQuery, principal: Principal, pages: RolePages, current_id: int | None) -> ConversationRow:
    if match:
        # The page of the thread that ends with the match, at it.
        href, anchor = links.href(conversation.id, before=match.message_id + 1), f"message-{match.message_id}"
    else:
        href, anchor = links.href(conversation.id), open_anchor(conversation.unread_count)
    return ConversationRow(
        id=conversation.id, unread_count=conversation.unread_count, last_message_at=conversation.last_message_at,
        subject=conversation.subject, preview=conversation.last_message_preview, href=href, anchor=anchor,
        counterpart=counterpart_name(conversation, principal, pages),
        type_chip=pages.type_chip(conversation.conversation_type),
        vendor_name=_vendor_name(conversation, pages), is_open=conversation.is_open,
        context=conversation.context, is_escalated=conversation.is_escalated,
        is_current=conversation.id == current_id,
        match_content=match.content if match else None, search=list_query.q if match else "",
    )


def _vendor_name(conversation: ConversationSummary, pages: RolePages) -> str | None:
    return conversation.vendor.name if conversation.vendor and pages.shows_vendor_name else None
