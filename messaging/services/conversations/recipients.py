"""Who a principal may start a conversation with: the picker's search, and the check of a choice."""
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from messaging.identity import Principal
from messaging.models import Customer, ParticipantType, User, Vendor, VendorUser
from messaging.roles import RolePolicy, policy_for
from messaging.services.conversations.validation import MAX_RECIPIENT_LIMIT, SEARCH_MAX_LENGTH
from messaging.services.errors import InvalidInput, NotAllowed
from messaging.services.read_models import Recipient, VendorRef


class RecipientDirectory:
    def __init__(self, session: Session):
        self.session = session

    def search(
        self, principal: Principal, recipient_type: ParticipantType, search: str = "", limit: int = 20
    ) -> list[Recipient]:
        policy = policy_for(principal)
        if not policy.can_create:
            raise NotAllowed("You cannot start conversations.")
        if recipient_type not in policy.recipient_types:
            allowed = ", ".join(t.value for t in policy.recipient_types)
            raise InvalidInput(f"Recipient type must be one of: {allowed}.", fields={"type": f"One of: {allowed}."})
        if not 1 <= limit <= MAX_RECIPIENT_LIMIT:
            raise InvalidInput(
                f"Limit must be between 1 and {MAX_RECIPIENT_LIMIT}.",
                fields={"limit": f"Between 1 and {MAX_RECIPIENT_LIMIT}."},
            )
        search = (search or "").strip()[:SEARCH_MAX_LENGTH]
        if recipient_type == ParticipantType.VENDOR:
            query = self._vendor_staff(search)
        else:
            query = self._customers(search, principal.vendor_id if policy.scoped_to_vendor else None)
        return [
            Recipient(
                type=recipient_type,
                id=account.id,
                name=account.full_name,
                email=account.email,
                vendor=VendorRef(vendor.id, vendor.name),
            )
            for account, vendor in self.session.execute(query.limit(limit)).all()
        ]

    @staticmethod
    def _vendor_staff(search: str):
        query = (
            select(User, Vendor)
            .join(VendorUser, VendorUser.user_id == User.id)
            .join(Vendor, Vendor.id == VendorUser.vendor_id)
            .where(User.is_active.is_(True), Vendor.is_active.is_(True))
            .order_by(User.full_name, Vendor.name, User.id)
        )
        if search:
            query = query.where(or_(
                User.full_name.icontains(search, autoescape=True),
                User.email.icontains(search, autoescape=True),
                Vendor.name.icontains(search, autoescape=True),
            ))
        return query

    @staticmethod
    def _customers(search: str, vendor_id: int | None):
        query = (
            select(Customer, Vendor)
            .join(Vendor, Vendor.id == Customer.vendor_id)
            .where(Customer.is_active.is_(True), Vendor.is_active.is_(True))
            .order_by(Customer.full_name, Customer.id)
        )
        if vendor_id is not None:
            query = query.where(Customer.vendor_id == vendor_id)
        if search:
            query = query.where(or_(
                Customer.full_name.icontains(search, autoescape=True),
                Customer.email.icontains(search, autoescape=True),
            ))
        return query

    def vendor_of_choice(
        self,
        principal: Principal,
        policy: RolePolicy,
        recipient_type: ParticipantType,
        recipient_id: int,
        vendor_id: int | None,
    ) -> int:
        """Check the recipient is an active account the principal may reach; return the conversation's vendor."""
        if recipient_type == ParticipantType.CUSTOMER:
            return self._customer_vendor(principal, policy, recipient_id, vendor_id)
        return self._staff_vendor(recipient_id, vendor_id)

    def _customer_vendor(self, principal: Principal, policy: RolePolicy, customer_id: int, vendor_id: int | None) -> int:
        customer = self.session.get(Customer, customer_id)
        if customer is None or not customer.is_active:
            raise _unknown_recipient()
        if policy.scoped_to_vendor and customer.vendor_id != principal.vendor_id:
            raise _unknown_recipient()
        if vendor_id is not None and vendor_id != customer.vendor_id:
            raise InvalidInput(
                "The customer does not belong to that vendor.",
                fields={"vendor_id": "Does not match the customer's shop."},
            )
        return customer.vendor_id

    def _staff_vendor(self, user_id: int, vendor_id: int | None) -> int:
        user = self.session.get(User, user_id)
        if user is None or not user.is_active:
            raise _unknown_recipient()
        vendor_ids = set(
            self.session.scalars(
                select(VendorUser.vendor_id)
                .join(Vendor, Vendor.id == VendorUser.vendor_id)
                .where(VendorUser.user_id == user_id, Vendor.is_active.is_(True))
            )
        )
        if not vendor_ids:
            raise _unknown_recipient()
        if vendor_id is None:
            if len(vendor_ids) > 1:
                raise InvalidInput(
                    "This user works for several vendors: choose one.",
                    fields={"vendor_id": "Required for a user of several vendors."},
                )
            return next(iter(vendor_ids))
        if vendor_id not in vendor_ids:
            raise InvalidInput(
                "The user is not staff of that vendor.", fields={"vendor_id": "Not one of the user's vendors."}
            )
        return vendor_id


def _unknown_recipient() -> InvalidInput:
    return InvalidInput("No such recipient.", fields={"recipient_id": "No such recipient."})
