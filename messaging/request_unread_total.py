"""The signed-in caller's unread total for this request, read with the sign-in check where it can be.

The header badge's poll and the API's unread count are the app's most frequent requests, and
each needs two answers from the database: does the session (or token) still stand, and what is
the caller's unread total. A view that shows the total is marked :func:`shows_unread_total`;
the sign-in check of its requests then asks both in one statement
(:func:`messaging.services.accounts.restore_session_principal_with_unread_total`): one round
trip instead of two. The total is kept only once the check has passed, and it is counted for
exactly the principal the check gives back.

Only views that read and show nothing else are marked: a page that writes first would show a
total counted before its write (opening a thread marks it read, and its layout's badge must
count after that), so every other view counts when it renders.
"""
from flask import g

from messaging import view_marks
from messaging.identity import Principal
from messaging.services import messaging_service
from messaging.services.accounts import restore_session_principal, restore_session_principal_with_unread_total

_SHOWS_UNREAD_TOTAL = "shows_unread_total"
_REMEMBERED = "unread_total"


def shows_unread_total(view):
    """Mark a view whose requests read the unread total with their sign-in check.

    Put it nearest the function: decorators made with ``functools.wraps`` carry the mark outwards.
    """
    return view_marks.mark(view, _SHOWS_UNREAD_TOTAL)


def wanted_with_sign_in() -> bool:
    """Whether this request's view shows the unread total, so its sign-in check should read it too."""
    return view_marks.requested_view_has(_SHOWS_UNREAD_TOTAL)


def restore_signed_in(principal_type: str, account_id: int, vendor_id: int | None, remembered_version) -> Principal | None:
    """The principal a session or token claims, if it still stands (one query); with its unread
    total in the same query when this request's view shows it."""
    if not wanted_with_sign_in():
        return restore_session_principal(principal_type, account_id, vendor_id, remembered_version)
    restored = restore_session_principal_with_unread_total(principal_type, account_id, vendor_id, remembered_version)
    if restored is None:
        return None
    principal, total = restored
    remember(total)
    return principal


def remember(total: int) -> None:
    setattr(g, _REMEMBERED, total)


def unread_total(principal: Principal) -> int:
    """The total for the request's principal: read with the sign-in check, or counted once now.

    Once per request either way: the tab title, the header badge and the dashboard card show the same number.
    """
    if _REMEMBERED not in g:
        remember(messaging_service().get_unread_count(principal))
    return getattr(g, _REMEMBERED)
