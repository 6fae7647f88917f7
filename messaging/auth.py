"""Browser sessions: which account is signed in, and as which principal it acts.

The session stores the account (Flask-Login) plus the role and vendor it acts for;
every request rebuilds the :class:`Principal` and re-checks the account is still
allowed to act so (deactivated accounts and lost memberships end the session).
"""
from dataclasses import replace
from functools import partial

from flask import g, session
from flask_login import UserMixin, login_user, logout_user

from messaging import carried_checks, request_unread_total
from messaging.extensions import login_manager
from messaging.identity import Principal
from messaging.models import ParticipantType
from messaging.services.accounts import SIGNED_IN_PARAMETERS, SignedIn, still_signed_in_column
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


class SessionEnded(Exception):
    """A session's claim, acted on before its check (:func:`claimed_principal`), no longer stands:
    whatever the request read for it goes unshown, and the person signs in again."""


def session_principal() -> Principal | None:
    """The principal of the signed-in browser session, or None (cached for the request).

    Raises :class:`SessionEnded` where the request acted on the session's claim and the check,
    made now, finds that it no longer stands.
    """
    if "session_principal" not in g:
        principal = g.session_principal = _restored_from_session()
        claimed = g.pop(_CLAIMED, None)
        if claimed is not None:
            carried_checks.made()
            if principal is None or (principal.key, principal.vendor_id) != (claimed.key, claimed.vendor_id):
                raise SessionEnded()
            _acting_as_checked(claimed, principal)
    return g.session_principal


def claimed_principal() -> Principal | None:
    """The principal the session claims to act as, without checking that it still may: the check
    rides on the request's first read that carries checks (:mod:`messaging.carried_checks`), and
    :func:`session_principal` makes it on its own if no read carried it.

    For a view whose first statement is a read and which shows or writes nothing before the check
    has passed (:func:`messaging.web.access.checks_sign_in_with_its_read`). Its name is unknown
    ("") until then. None where the session claims nothing a check could pass.
    """
    claim = _session_claim()
    if claim is None:
        return None
    principal_type, account_id, vendor_id, session_version = claim
    try:
        kind = ParticipantType(principal_type)
    except ValueError:
        return None
    # Staff and customers act for a vendor, admins for none: any other claim is left to the full check.
    acts_for_a_vendor = kind != ParticipantType.ADMIN
    if not isinstance(session_version, int) or (isinstance(vendor_id, int) != acts_for_a_vendor) \
            or (not acts_for_a_vendor and vendor_id is not None):
        return None
    claimed = Principal(kind, account_id, "", vendor_id=vendor_id)
    setattr(g, _CLAIMED, claimed)
    carried_checks.leave_pending(carried_checks.CarriedCheck(
        key=("still signed in", kind),
        column=partial(still_signed_in_column, kind),
        parameters=dict(zip(SIGNED_IN_PARAMETERS, (account_id, vendor_id, session_version), strict=True)),
        settle=_settle_claim,
    ))
    return claimed


_CLAIMED = "_claimed_principal"


def _settle_claim(name: str | None) -> None:
    """The carried check's outcome: the account's name if the claim stands, None if not."""
    claimed = g.pop(_CLAIMED)
    if name is None:
        g.session_principal = None
        raise SessionEnded()
    g.session_principal = replace(claimed, name=name)
    _acting_as_checked(claimed, g.session_principal)


def _acting_as_checked(claimed: Principal, checked: Principal) -> None:
    # The request's principal (g.principal, set by the pages' guard) was the claim: from now on it is
    # the checked one, which has the account's name.
    if g.get("principal") is claimed:
        g.principal = checked


def _restored_from_session() -> Principal | None:
    """The signed-in account and the principal it acts as, from the session and one query.

    Read here rather than through ``current_user``: Flask-Login's loading around the same query
    (its signal, the session identifier it hashes even with session protection off) cost as much
    as the query on a badge poll, which needs nothing else of it.
    """
    claim = _session_claim()
    return request_unread_total.restore_signed_in(*claim) if claim else None


def _session_claim() -> tuple[str, int, object, object] | None:
    """(principal type, account id, vendor id, session version) as the session holds them, or None."""
    kind, _, raw_id = (session.get(FLASK_LOGIN_ACCOUNT_KEY) or "").partition(":")
    acting_as = session.get(ACTING_AS_KEY) or {}
    if not (raw_id.isdigit() and kind in ACCOUNT_KINDS and isinstance(acting_as, dict)):
        return None
    return acting_as.get("type", ""), int(raw_id), acting_as.get("vendor_id"), session.get(SESSION_VERSION_KEY)
