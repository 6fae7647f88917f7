"""Accounts of the platform stand-in: creation (CLI, demo, tests) and sign-in for every front end."""
from dataclasses import dataclass
from functools import lru_cache, partial

from flask import current_app
from sqlalchemy import ColumnElement, Select, null, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import Customer, ParticipantType, User, Vendor, VendorUser
from messaging.prepared_statements import PreparedStatement, parameter
from messaging.services.conversations.queries import unread_total_statement
from messaging.services.errors import InvalidInput, MessagingError
from messaging.services.session_versions import end_every_session


class AuthenticationFailed(MessagingError):
    def __init__(self, message: str = "Email or password is wrong, or the account is disabled."):
        super().__init__(message)


class VendorChoiceRequired(MessagingError):
    """A user of several vendors signs in for one of them at a time."""

    def __init__(self, vendors: list[Vendor]):
        super().__init__(
            "You work for several vendors: choose the one to act for.",
            fields={"vendor_code": "One of: " + ", ".join(v.code for v in vendors)},
        )
        self.vendors = vendors


@dataclass(frozen=True)
class SignedIn:
    account: User | Customer
    principal: Principal


# ------------------------------------------------------------------ creating


def create_admin(email: str, name: str, password: str) -> User:
    user = User(email=_normal_email(email), full_name=name.strip(), is_admin=True, is_active=True)
    user.set_password(_checked_password(password))
    return _save_unique(user, f"A user with email {email} already exists.")


def create_vendor(code: str, name: str) -> Vendor:
    return _save_unique(
        Vendor(code=code.strip().lower(), name=name.strip(), is_active=True),
        f"A vendor with code {code} already exists.",
    )


def create_vendor_user(email: str, vendor_code: str, name: str, password: str) -> User:
    """Create the user, or add an existing user to one more vendor's staff."""
    vendor = vendor_by_code(vendor_code)
    user = db.session.scalar(select(User).where(User.email == _normal_email(email)))
    if user is None:
        user = User(email=_normal_email(email), full_name=name.strip(), is_admin=False, is_active=True)
        user.set_password(_checked_password(password))
        db.session.add(user)
        db.session.flush()
    membership = VendorUser(user_id=user.id, vendor_id=vendor.id)
    _save_unique(membership, f"{email} is already staff of {vendor.code}.")
    return user


def create_customer(email: str, vendor_code: str, name: str, password: str) -> Customer:
    vendor = vendor_by_code(vendor_code)
    customer = Customer(vendor_id=vendor.id, email=_normal_email(email), full_name=name.strip(), is_active=True)
    customer.set_password(_checked_password(password))
    return _save_unique(customer, f"{vendor.code} already has a customer with email {email}.")


def vendor_by_code(code: str) -> Vendor:
    vendor = db.session.scalar(select(Vendor).where(Vendor.code == (code or "").strip().lower()))
    if vendor is None:
        raise InvalidInput(f"No vendor with code {code}.", fields={"vendor_code": "Unknown vendor."})
    return vendor


def _save_unique(instance, duplicate_message: str):
    """Add ``instance``; a duplicate is refused and rolls the unit of work back."""
    db.session.add(instance)
    try:
        db.session.flush()
    except IntegrityError:
        # No SAVEPOINT: under pysqlite one opened before any write would commit on release.
        db.session.rollback()
        raise InvalidInput(duplicate_message) from None
    return instance


def _normal_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email:
        raise InvalidInput("That is not an email address.", fields={"email": "Not an email address."})
    return email


def _checked_password(password: str) -> str:
    if len(password or "") < 8:
        raise InvalidInput("Passwords need at least 8 characters.", fields={"password": "At least 8 characters."})
    return password


# ------------------------------------------------------------------ signing in


def authenticate_staff(email: str, password: str, vendor_code: str | None = None) -> SignedIn:
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if not _password_matches(user, password) or not user.is_active:
        raise AuthenticationFailed()
    if vendor_code:
        return staff_acting_for(user, vendor_code)
    if user.is_admin:
        return SignedIn(user, admin_principal(user))
    vendors = active_vendors_of(user)
    if not vendors:
        raise AuthenticationFailed("This account is not staff of any active vendor.")
    if len(vendors) > 1:
        raise VendorChoiceRequired(vendors)
    return SignedIn(user, vendor_principal(user, vendors[0]))


def authenticate_customer(email: str, password: str, vendor_code: str) -> SignedIn:
    customer = db.session.scalar(
        select(Customer)
        .join(Vendor, Vendor.id == Customer.vendor_id)
        .where(
            Vendor.code == (vendor_code or "").strip().lower(),
            Vendor.is_active.is_(True),
            Customer.email == (email or "").strip().lower(),
        )
    )
    if not _password_matches(customer, password) or not customer.is_active:
        raise AuthenticationFailed()
    return SignedIn(customer, customer_principal(customer))


def _password_matches(account: User | Customer | None, password: str | None) -> bool:
    """Check the password, spending the same hashing work whether or not the account exists.

    Answering an unknown email without hashing would tell an attacker which emails have
    accounts (5 ms against 126 ms): an unknown one is checked against a stand-in hash made
    with the configured method, a disabled one against its own hash.
    """
    if account is None:
        check_password_hash(_stand_in_hash(current_app.config["PASSWORD_HASH_METHOD"]), password or "")
        return False
    return account.check_password(password or "")


@lru_cache(maxsize=4)
def _stand_in_hash(method: str) -> str:
    return generate_password_hash("no account has this password", method=method)


def change_password(account: User | Customer, new_password: str) -> None:
    """Set a new password; every session and API token of the account ends (the caller commits)."""
    account.set_password(_checked_password(new_password))
    db.session.flush()
    end_every_session(account)


def deactivate(account: User | Customer) -> None:
    """The account can no longer sign in, and its sessions and tokens end now (the caller commits)."""
    account.is_active = False
    db.session.flush()
    end_every_session(account)


def staff_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise InvalidInput(f"No staff account with email {email}.", fields={"email": "Unknown."})
    return user


def customer_by_email(email: str, vendor_code: str) -> Customer:
    vendor = vendor_by_code(vendor_code)
    customer = db.session.scalar(
        select(Customer).where(Customer.vendor_id == vendor.id, Customer.email == (email or "").strip().lower())
    )
    if customer is None:
        raise InvalidInput(f"{vendor.code} has no customer with email {email}.", fields={"email": "Unknown."})
    return customer


def staff_acting_for(user: User, vendor_code: str) -> SignedIn:
    """``user`` signed in for the vendor ``vendor_code``, if they are its staff (and it is active)."""
    code = (vendor_code or "").strip().lower()
    chosen = next((vendor for vendor in active_vendors_of(user) if vendor.code == code), None)
    if chosen is None:
        raise AuthenticationFailed("You are not staff of that vendor.")
    return SignedIn(user, vendor_principal(user, chosen))


def active_vendors_of(user: User) -> list[Vendor]:
    return list(
        db.session.scalars(
            select(Vendor)
            .join(VendorUser, VendorUser.vendor_id == Vendor.id)
            .where(VendorUser.user_id == user.id, Vendor.is_active.is_(True))
            .order_by(Vendor.name)
        )
    )


def admin_principal(user: User) -> Principal:
    return Principal(ParticipantType.ADMIN, user.id, user.full_name)


def vendor_principal(user: User, vendor: Vendor) -> Principal:
    return Principal(ParticipantType.VENDOR, user.id, user.full_name, vendor_id=vendor.id)


def customer_principal(customer: Customer) -> Principal:
    return Principal(ParticipantType.CUSTOMER, customer.id, customer.full_name, vendor_id=customer.vendor_id)


def restore_session_principal(
    principal_type: str, account_id: int, vendor_id: int | None, remembered_version
) -> Principal | None:
    """Who a session or token acts as, in ONE query: :func:`restore_principal`, and still at the
    session version it was issued under (signing out everywhere moves it on)."""
    restored = _restore_session(_STILL_ALLOWED, principal_type, account_id, vendor_id, remembered_version)
    return restored[0] if restored else None


def restore_session_principal_with_unread_total(
    principal_type: str, account_id: int, vendor_id: int | None, remembered_version
) -> tuple[Principal, int] | None:
    """:func:`restore_session_principal` and the principal's unread total (the header badge), in
    the same ONE query: for the requests that show only the total, one round trip instead of two."""
    restored = _restore_session(
        _STILL_ALLOWED_WITH_UNREAD_TOTAL, principal_type, account_id, vendor_id, remembered_version)
    return (restored[0], int(restored[2])) if restored else None


def restore_principal(principal_type: str, account_id: int, vendor_id: int | None) -> Principal | None:
    """The principal an account may still act as, or None: the account active, and an admin still
    an admin, staff still staff of an active vendor, a customer's shop still active."""
    restored = _restore(_STILL_ALLOWED, principal_type, account_id, vendor_id)
    return restored[0] if restored else None


def _restore_session(statements: dict, principal_type: str, account_id: int, vendor_id: int | None,
                     remembered_version) -> tuple | None:
    if not isinstance(remembered_version, int):
        return None
    restored = _restore(statements, principal_type, account_id, vendor_id)
    if restored is None or restored[1] != remembered_version:
        return None
    return restored


def _restore(statements: dict, principal_type: str, account_id: int, vendor_id: int | None) -> tuple | None:
    """(principal, session version, and whatever else ``statements`` read) or None."""
    try:
        kind = ParticipantType(principal_type)
    except ValueError:
        return None
    rows = statements[kind].rows(db.session, account_id=account_id, vendor_id=vendor_id)
    if not rows:
        return None
    name, acting_vendor_id, session_version, *more = rows[0]
    return Principal(kind, account_id, name, vendor_id=acting_vendor_id), session_version, *more


def _still_allowed_statement(kind: ParticipantType, account_id=None, vendor_id=None) -> Select:
    """The account's name, the vendor it acts for and its session version, if it may still act as ``kind``
    (the account and vendor ids parameters named ``account_id`` and ``vendor_id`` unless given)."""
    account_id = parameter("account_id") if account_id is None else account_id
    vendor_id = parameter("vendor_id") if vendor_id is None else vendor_id
    if kind == ParticipantType.CUSTOMER:
        return (
            select(Customer.full_name, Customer.vendor_id, Customer.session_version)
            .join(Vendor, Vendor.id == Customer.vendor_id)
            .where(Customer.id == account_id, Customer.is_active.is_(True), Vendor.is_active.is_(True))
        )
    if kind == ParticipantType.ADMIN:
        return select(User.full_name, null(), User.session_version).where(
            User.id == account_id, User.is_admin.is_(True), User.is_active.is_(True)
        )
    return (
        select(User.full_name, VendorUser.vendor_id, User.session_version)
        .join(VendorUser, (VendorUser.user_id == User.id) & (VendorUser.vendor_id == vendor_id))
        .join(Vendor, Vendor.id == VendorUser.vendor_id)
        .where(User.id == account_id, User.is_active.is_(True), Vendor.is_active.is_(True))
    )


def _still_allowed_with_unread_total_statement(kind: ParticipantType) -> Select:
    """:func:`_still_allowed_statement` and, as a fourth column, the unread total of the principal it restores."""
    still_allowed = _still_allowed_statement(kind)
    # Counted for exactly the principal the check gives back: the account, and the vendor its row
    # names. For staff that is the session's vendor, which the check's join pins to the parameter;
    # given as the parameter, PostgreSQL plans the sum by that shop (correlated to the joined
    # column, it read all the shop's conversations: 5 ms instead of 0.3).
    acting_vendor = parameter("vendor_id") if kind == ParticipantType.VENDOR else still_allowed.selected_columns[1]
    acting = Principal(kind, parameter("account_id"), "", vendor_id=acting_vendor)
    return still_allowed.add_columns(unread_total_statement(acting).scalar_subquery())


# The parameters of :func:`still_signed_in_column`, named apart from those of the read that carries it.
SIGNED_IN_PARAMETERS = ("signed_in_account_id", "signed_in_vendor_id", "signed_in_session_version")


def still_signed_in_column(kind: ParticipantType) -> ColumnElement:
    """The sign-in check as one column a page's own read carries (:mod:`messaging.carried_checks`):
    the account's name if a session's claim still stands, NULL if not.

    The claim stands as :func:`restore_session_principal` would restore it: the account still
    allowed to act as ``kind``, at the session version it was issued under, and acting for the
    vendor the claim names (an admin for none: the caller sends only such admin claims).
    """
    account_id, vendor_id, session_version = (parameter(name) for name in SIGNED_IN_PARAMETERS)
    still_allowed = _still_allowed_statement(kind, account_id, vendor_id)
    name, acting_vendor_id, version = still_allowed.selected_columns
    check = still_allowed.with_only_columns(name).where(version == session_version)
    if kind == ParticipantType.CUSTOMER:  # staff's vendor is already the join's; an admin acts for none
        check = check.where(acting_vendor_id == vendor_id)
    return check.scalar_subquery()


# Every request of a signed-in page or API token runs one of these: compiled once per account kind.
_STILL_ALLOWED = {kind: PreparedStatement(partial(_still_allowed_statement, kind)) for kind in ParticipantType}
_STILL_ALLOWED_WITH_UNREAD_TOTAL = {
    kind: PreparedStatement(partial(_still_allowed_with_unread_total_statement, kind)) for kind in ParticipantType
}
