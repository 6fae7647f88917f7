"""Browser sessions: which account is signed in, and as which principal it acts.

The session stores the account (Flask-Login) plus the role and vendor it acts for;
every request rebuilds the :class:`Principal` and re-checks the account is still
allowed to act so (deactivated accounts and lost memberships end the session).
"""
from flask import g, session
from flask_login import UserMixin, login_user, logout_user

from messaging import request_unread_total
from messaging.extensions import login_manager
from messaging.identity import Principal
from messaging.services.accounts import SignedIn
from messaging.services.session_versions import end_every_session_of

ACTING_AS_KEY = "acting_as"
# Flask-Login ids are "user:ID" or "customer:ID": two account tables.
ACCOUNT_KINDS = ("user", "customer")
# Where login_user keeps the signed-in account's get_id().
FLASK_LOGIN_ACCOUNT_KEY = "_user_id"
# The account's session version at sign-in; a moved-on version ends the session.
SESSION_VERSION_KEY = "session_version"


class SessionAccount(UserMixin):
    """What Flask-Login holds for a restored session: the account's key, its id and the principal
    it acts as, from one small query per request (:func:`restore_session_principal`), not the
    account row."""

    def __init__(self, key: str, principal: Principal):
        self.key = key
        self.id = principal.id
        self.principal = principal

    def get_id(self) -> str:
        return self.key


@login_manager.user_loader
def load_session_account(account_key: str) -> SessionAccount | None:
    """Flask-Login's user: the principal :func:`session_principal` restored (one query per request)."""
    principal = session_principal()
    return SessionAccount(account_key, principal) if principal else None


def sign_in(signed_in: SignedIn) -> None:
    login_user(signed_in.account)
    session[SESSION_VERSION_KEY] = signed_in.account.session_version
    session[ACTING_AS_KEY] = {"type": signed_in.principal.type.value, "vendor_id": signed_in.principal.vendor_id}
    g.session_principal = signed_in.principal


def sign_out() -> None:
    """End this session and every other one of the account (sessions elsewhere, API tokens); the caller commits."""
    principal = session_principal()
    if principal is not None:
        end_every_session_of(principal.type, principal.id)
    logout_user()
    session.pop(SESSION_VERSION_KEY, None)
    session.pop(ACTING_AS_KEY, None)
    g.pop("session_principal", None)


def session_principal() -> Principal | None:
    """The principal of the signed-in browser session, or None (cached for the request)."""
    if "session_principal" not in g:
        g.session_principal = _restored_from_session()
    return g.session_principal


def _restored_from_session() -> Principal | None:
    """The signed-in account and the principal it acts as, from the session and one query.

    Read here rather than through ``current_user``: Flask-Login's loading around the same query
    (its signal, the session identifier it hashes even with session protection off) cost as much
    as the query on a badge poll, which needs nothing else of it.
    """
    kind, _, raw_id = (session.get(FLASK_LOGIN_ACCOUNT_KEY) or "").partition(":")
    acting_as = session.get(ACTING_AS_KEY) or {}
    if not (raw_id.isdigit() and kind in ACCOUNT_KINDS and isinstance(acting_as, dict)):
        return None
    return request_unread_total.restore_signed_in(
        acting_as.get("type", ""), int(raw_id), acting_as.get("vendor_id"), session.get(SESSION_VERSION_KEY)
    )
