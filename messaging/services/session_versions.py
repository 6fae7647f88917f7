"""Ending every session of an account at once: the per-account session version.

A browser session and an API token remember the account's ``session_version`` from when
they were issued; each request compares it with the one the sign-in check reads anyway
(:func:`messaging.services.accounts.restore_session_principal`, one query, no more). Moving
the version on ends all of them together: signing out, "sign out everywhere", a new password
and deactivation do.

Without a server-side store of sessions this is the finest grain there is: signing out on
one device also signs the account out on the others (and ends its API tokens).
"""
from sqlalchemy import update

from messaging.extensions import db
from messaging.models import Customer, ParticipantType, User


def account_model(principal_type: ParticipantType | str):
    return Customer if ParticipantType(principal_type) == ParticipantType.CUSTOMER else User


def load_account(principal_type: ParticipantType | str, account_id: int) -> User | Customer | None:
    """The account row (from the identity map when this request loaded it already)."""
    try:
        model = account_model(principal_type)
    except ValueError:
        return None
    return db.session.get(model, account_id)


def end_every_session(account: User | Customer) -> None:
    """Invalidate every session and token of the account (atomically; the caller commits)."""
    model = type(account)
    db.session.execute(
        update(model).where(model.id == account.id).values(session_version=model.session_version + 1)
    )
    db.session.refresh(account, ["session_version"])


def end_every_session_of(principal_type: ParticipantType | str, account_id: int) -> None:
    account = load_account(principal_type, account_id)
    if account is not None:
        end_every_session(account)
