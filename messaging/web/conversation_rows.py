"""What each row of the conversation list shows, worked out once per page in Python.

Per row, a url_for with the list's filters and the template's filter chains (and the
macros and includes they sat in) cost more than printing the row. The template keeps the markup; this gives it the values.
"""
from dataclasses import dataclass

from messaging.identity import Principal
from messaging.roles import RolePages
from messaging.services.read_models import ConversationPage, ConversationSummary
from messaging.services.search import MessageMatch
from messaging.web.counterparts import counterpart_name
from messaging.web.forms import ListQuery
from messaging.web.path_ids import ID_MAX
from messaging.web.thread_items import open_anchor


@dataclass(frozen=True, slots=True)
class ConversationRow:
    conversation: ConversationSummary
    # The thread with the list's filters, so the page around the thread shows the same list.
    href: str
    # Where the link lands without JavaScript: the matching message, the first unread one, or the newest.
    anchor: str
    counterpart: str
    type_chip: str
    # A search's newest message with the words, shown instead of the preview.
    match: MessageMatch | None


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

    def href(self, conversation_id: int, before: int | None = None) -> str:
        path = f"{self._before_id}{conversation_id}{self._after_id}"
        if before is None:
            return path + self._query
        # url_for writes ``before`` first: it comes before the filters among the values not in the path.
        filters = "&" + self._query[1:] if self._query else ""
        return f"{path}?before={before}{filters}"


def conversation_rows(listing: ConversationPage, list_query: ListQuery, matches: dict[int, MessageMatch] | None,
                      principal: Principal, pages: RolePages) -> list[ConversationRow]:
    links = ThreadLinks(pages, list_query.args(page=listing.page if listing.page > 1 else ""))
    rows = []
    for conversation in listing.items:
        match = matches.get(conversation.id) if matches else None
        if match:
            # The page of the thread that ends with the match, at it.
            href, anchor = links.href(conversation.id, before=match.message_id + 1), f"message-{match.message_id}"
        else:
            href, anchor = links.href(conversation.id), open_anchor(conversation.unread_count)
        rows.append(ConversationRow(
            conversation=conversation, href=href, anchor=anchor,
            counterpart=counterpart_name(conversation, principal, pages),
            type_chip=pages.type_chip(conversation.conversation_type), match=match,
        ))
    return rows
