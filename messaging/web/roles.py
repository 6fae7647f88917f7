"""What differs between the admin, vendor and shop message pages, as data.

The view functions in :mod:`messaging.web.inbox` are written once and registered
for every entry of :data:`ROLE_PAGES`; what a role may do comes from its
:class:`~messaging.policy.RolePolicy`, what it looks like from a :class:`RolePages`.
"""
from dataclasses import dataclass

from flask import url_for

from messaging.models import ConversationType, ParticipantType
from messaging.policy import POLICIES, RolePolicy


@dataclass(frozen=True)
class RolePages:
    role: ParticipantType
    blueprint_name: str
    url_prefix: str
    layout: str
    area_label: str
    # Sidebar section holding the "Messages" entry (the specification's Navigation).
    nav_section: str
    # Admin and vendor read the list and the thread side by side; the shop uses two pages.
    split_panel: bool
    sign_in_endpoint: str
    # (conversation_type value, label) offered as the "type" filter; empty for no filter.
    type_filters: tuple[tuple[str, str], ...] = ()
    recipient_labels: tuple[tuple[ParticipantType, str], ...] = ()
    # Short label of each conversation type on a list item ("Vendor", "Customer", "Platform").
    type_chips: tuple[tuple[str, str], ...] = ()

    def type_chip(self, conversation_type) -> str:
        return dict(self.type_chips).get(getattr(conversation_type, "value", conversation_type), "")

    @property
    def policy(self) -> RolePolicy:
        return POLICIES[self.role]

    def url(self, view: str, **values) -> str:
        return url_for(f"{self.blueprint_name}.{view}", **values)

    def conversation_type_for(self, recipient_type: ParticipantType) -> ConversationType | None:
        for conversation_type, recipient in self.policy.creatable.items():
            if recipient == recipient_type:
                return conversation_type
        return None


ADMIN_PAGES = RolePages(
    role=ParticipantType.ADMIN,
    blueprint_name="admin_messages",
    url_prefix="/admin/messages",
    layout="layouts/staff.html",
    area_label="Admin",
    nav_section="Platform Administration",
    split_panel=True,
    sign_in_endpoint="sign_in.staff_login",
    type_filters=(
        (ConversationType.ADMIN_VENDOR.value, "Vendors"),
        (ConversationType.ADMIN_CUSTOMER.value, "Customers"),
    ),
    recipient_labels=((ParticipantType.VENDOR, "Vendor staff"), (ParticipantType.CUSTOMER, "Customer")),
    type_chips=((ConversationType.ADMIN_VENDOR.value, "Vendor"), (ConversationType.ADMIN_CUSTOMER.value, "Customer")),
)

VENDOR_PAGES = RolePages(
    role=ParticipantType.VENDOR,
    blueprint_name="vendor_messages",
    url_prefix="/vendor/messages",
    layout="layouts/staff.html",
    area_label="Vendor",
    nav_section="Sales",
    split_panel=True,
    sign_in_endpoint="sign_in.staff_login",
    type_filters=(
        (ConversationType.VENDOR_CUSTOMER.value, "Customers"),
        (ConversationType.ADMIN_VENDOR.value, "Platform"),
    ),
    recipient_labels=((ParticipantType.CUSTOMER, "Customer"),),
    type_chips=((ConversationType.VENDOR_CUSTOMER.value, "Customer"), (ConversationType.ADMIN_VENDOR.value, "Platform")),
)

SHOP_PAGES = RolePages(
    role=ParticipantType.CUSTOMER,
    blueprint_name="shop_messages",
    url_prefix="/shop/account/messages",
    layout="layouts/shop.html",
    area_label="Shop",
    nav_section="",
    split_panel=False,
    sign_in_endpoint="sign_in.shop_login",
)

ROLE_PAGES = (ADMIN_PAGES, VENDOR_PAGES, SHOP_PAGES)
PAGES_BY_ROLE = {pages.role: pages for pages in ROLE_PAGES}
