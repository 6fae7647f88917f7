"""Which vendor a staff user acts for: the choice after sign-in and the switcher later.

The password was checked by :func:`accounts.authenticate_staff` (which answered
VendorChoiceRequired); here the membership is checked again for the chosen vendor.
"""
from sqlalchemy import select

from messaging.extensions import db
from messaging.models import User, Vendor
from messaging.services.accounts import AuthenticationFailed, SignedIn, staff_acting_for


def act_for_vendor(user_id: int, vendor_code: str) -> SignedIn:
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed()
    return staff_acting_for(user, vendor_code)


def active_shops() -> list[Vendor]:
    """The shops a customer can sign in to."""
    return list(db.session.scalars(select(Vendor).where(Vendor.is_active.is_(True)).order_by(Vendor.name)))


def staff_user_id(email: str) -> int | None:
    """The account that :func:`authenticate_staff` just accepted but asked a vendor choice of."""
    return db.session.scalar(select(User.id).where(User.email == (email or "").strip().lower()))


def vendor_name(vendor_id: int | None) -> str:
    vendor = db.session.get(Vendor, vendor_id) if vendor_id else None
    return vendor.name if vendor else ""
