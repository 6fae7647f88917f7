"""Browser sessions: which account is signed in, and as which principal it acts.

The session stores the account (Flask-Login) plus the role and vendor it acts for;
every request rebuilds the :class:`Principal` and re-checks the account is still
allowed to act so (deactivated accounts and lost memberships end the session).
"""
from flask import g, session
from flask_login import current_user, login_user, logout_user

from messaging.extensions import db, login_manager
from messaging.identity import Principal
from messaging.models import Customer, User
from messaging.services.accounts import SignedIn, restore_principal
from messaging.services.session_versions import end_every_session, is_current  # hardening (issue 8)

ACTING_AS_KEY = "acting_as"
# hardening (issue 8): the account's session version at sign-in; a moved-on version ends the session.
SESSION_VERSION_KEY = "session_version"


@login_manager.user_loader
def load_account(account_key: str):
    kind, _, raw_id = (account_key or "").partition(":")
    if not raw_id.isdigit():
        return None
    model = {"user": User, "customer": Customer}.get(kind)
    account = db.session.get(model, int(raw_id)) if model else None
    return account if is_current(account, session.get(SESSION_VERSION_KEY)) else None


def sign_in(signed_in: SignedIn) -> None:
    login_user(signed_in.account)
    session[SESSION_VERSION_KEY] = signed_in.account.session_version
    session[ACTING_AS_KEY] = {"type": signed_in.principal.type.value, "vendor_id": signed_in.principal.vendor_id}
    g.pop("session_principal", None)


def sign_out() -> None:
    """End this session and every other one of the account (sessions elsewhere, API tokens); the caller commits."""
    if current_user.is_authenticated:
        end_every_session(current_user._get_current_object())
    logout_user()
    session.pop(SESSION_VERSION_KEY, None)
    session.pop(ACTING_AS_KEY, None)
    g.pop("session_principal", None)


def session_principal() -> Principal | None:
    """The principal of the signed-in browser session, or None (cached for the request)."""
    if "session_principal" not in g:
        g.session_principal = _restore()
    return g.session_principal


def _restore() -> Principal | None:
    acting_as = session.get(ACTING_AS_KEY)
    if not current_user.is_authenticated or not acting_as:
        return None
    return restore_principal(acting_as["type"], current_user.id, acting_as.get("vendor_id"))
