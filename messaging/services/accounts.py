"""Accounts of the platform stand-in: creation (CLI, demo, tests) and sign-in for every front end."""
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import Customer, ParticipantType, User, Vendor, VendorUser
from messaging.services.errors import InvalidInput, MessagingError
from messaging.services.session_versions import end_every_session, is_current


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


def restore_signed_in(
    principal_type: str, account_id: int, vendor_id: int | None, remembered_version
) -> SignedIn | None:
    """Rebuild who is signed in from a session or token, in ONE query: :func:`signed_in_as`, and
    still at the session version it was issued under (signing out everywhere moves it on)."""
    signed_in = signed_in_as(principal_type, account_id, vendor_id)
    if signed_in is None or not is_current(signed_in.account, remembered_version):
        return None
    return signed_in


def restore_principal(principal_type: str, account_id: int, vendor_id: int | None) -> Principal | None:
    """The principal an account acts as where no session stands behind it (a reply by email)."""
    signed_in = signed_in_as(principal_type, account_id, vendor_id)
    return signed_in.principal if signed_in else None


def signed_in_as(principal_type: str, account_id: int, vendor_id: int | None) -> SignedIn | None:
    """The account if it can still act as before, in one query: active, and an admin still an admin,
    staff still staff of an active vendor, a customer's shop still active."""
    try:
        kind = ParticipantType(principal_type)
    except ValueError:
        return None
    if kind == ParticipantType.CUSTOMER:
        row = db.session.execute(
            select(Customer, Vendor.is_active)
            .join(Vendor, Vendor.id == Customer.vendor_id)
            .where(Customer.id == account_id)
        ).first()
        if row is None or not row[1] or not row[0].is_active:
            return None
        return SignedIn(row[0], customer_principal(row[0]))
    if kind == ParticipantType.ADMIN:
        user = db.session.get(User, account_id)
        if user is None or not user.is_admin or not user.is_active:
            return None
        return SignedIn(user, admin_principal(user))
    row = db.session.execute(
        select(User, Vendor)
        .join(VendorUser, (VendorUser.user_id == User.id) & (VendorUser.vendor_id == vendor_id))
        .join(Vendor, Vendor.id == VendorUser.vendor_id)
        .where(User.id == account_id, Vendor.is_active.is_(True))
    ).first()
    if row is None or not row[0].is_active:
        return None
    return SignedIn(row[0], vendor_principal(row[0], row[1]))
