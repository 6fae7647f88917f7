"""The role registry: everything that differs between admins, vendor staff and customers, as data.

Each :class:`Role` says what the role may see and do (:class:`RolePolicy`, decisions §2), where
its API lives (``surface``) and how its pages look (:class:`RolePages`). The policy's SQL
(:mod:`messaging.policy`), the JSON API, the pages and the templates all read this one table.
"""
from dataclasses import dataclass, field

from messaging.identity import Principal
from messaging.models import ConversationType, ParticipantType
from messaging.remembered_urls import remembered_url_for


@dataclass(frozen=True)
class RolePolicy:
    visible_types: tuple[ConversationType, ...]
    # conversation type this role may create -> the kind of recipient it goes to
    creatable: dict[ConversationType, ParticipantType] = field(default_factory=dict)
    can_close: bool = False
    # Vendor staff see their vendor's team inbox; a customer sees only conversations they are in.
    scoped_to_vendor: bool = False
    participants_only: bool = False
    # Admins and customers act in one context only, so a participant row of theirs can never
    # lie outside their scope, and the badge may sum their rows without joining the conversation.
    # Vendor staff may work for several vendors and see one at a time: their rows are told apart
    # by the shop each carries instead (below). tests/test_role_registry.py checks both promises
    # against scope_clause on real data.
    own_rows_always_in_scope: bool = False
    # Vendor staff hold rows only in their shops' conversations, every type of which they see: a row
    # of theirs is in scope exactly when its shop (copied onto the row) is the one they act for.
    own_rows_in_scope_by_vendor: bool = False
    # Marketplace cases (decisions §7). Types this role sees only while escalated, or once it took
    # part (admins mediating between a shop and its customer); escalating; resolving; and starting
    # a conversation with one's own shop while the platform setting allows it (customers).
    mediated_types: tuple[ConversationType, ...] = ()
    can_escalate: bool = False
    can_resolve: bool = False
    starts_with_own_shop: bool = False

    @property
    def can_create(self) -> bool:
        return bool(self.creatable)

    @property
    def recipient_types(self) -> tuple[ParticipantType, ...]:
        return tuple(dict.fromkeys(self.creatable.values()))


@dataclass(frozen=True)
class RolePages:
    blueprint_name: str
    url_prefix: str
    layout: str
    area_label: str
    # Sidebar section holding the "Messages" entry (the specification's Navigation).
    nav_section: str
    # Admin and vendor read the list and the thread side by side; the shop uses two pages.
    split_panel: bool
    sign_in_endpoint: str
    # Where signing in lands when no page was asked for.
    home_endpoint: str
    # (conversation_type value, label) offered as the "type" filter; empty for no filter.
    type_filters: tuple[tuple[str, str], ...] = ()
    recipient_labels: tuple[tuple[ParticipantType, str], ...] = ()
    # Short label of each conversation type on a list item ("Vendor", "Customer", "Platform").
    type_chips: tuple[tuple[str, str], ...] = ()
    # The platform team sees several shops at once, so lists and threads name the shop.
    shows_vendor_name: bool = False
    # Customers write to a team (the shop, or the marketplace), never to a named staff member.
    counterpart_is_team: bool = False
    # The list offers an "Escalated" filter (the marketplace's mediators).
    escalated_filter: bool = False
    # More sidebar entries after "Messages": (endpoint, label).
    more_nav: tuple[tuple[str, str], ...] = ()

    def type_chip(self, conversation_type) -> str:
        return dict(self.type_chips).get(getattr(conversation_type, "value", conversation_type), "")

    def url(self, view: str, **values) -> str:
        return remembered_url_for(f"{self.blueprint_name}.{view}", **values)


@dataclass(frozen=True)
class Role:
    type: ParticipantType
    # URL segment of the role's JSON API: /api/v1/<surface>/messages
    surface: str
    policy: RolePolicy
    pages: RolePages

    def conversation_type_for(self, recipient_type: ParticipantType) -> ConversationType | None:
        for conversation_type, recipient in self.policy.creatable.items():
            if recipient == recipient_type:
                return conversation_type
        return None


ADMIN = Role(
    type=ParticipantType.ADMIN,
    surface="admin",
    policy=RolePolicy(
        visible_types=(ConversationType.ADMIN_VENDOR, ConversationType.ADMIN_CUSTOMER),
        creatable={
            ConversationType.ADMIN_VENDOR: ParticipantType.VENDOR,
            ConversationType.ADMIN_CUSTOMER: ParticipantType.CUSTOMER,
        },
        can_close=True,
        # An admin's row in a vendor-customer conversation exists only once they took part,
        # and taking part keeps it in scope: the promise still holds (tests/test_role_registry.py).
        own_rows_always_in_scope=True,
        mediated_types=(ConversationType.VENDOR_CUSTOMER,),
        can_resolve=True,
    ),
    pages=RolePages(
        blueprint_name="admin_messages",
        url_prefix="/admin/messages",
        layout="layouts/staff.html",
        area_label="Admin",
        nav_section="Platform Administration",
        split_panel=True,
        sign_in_endpoint="sign_in.staff_login",
        home_endpoint="admin_messages.inbox",
        type_filters=(
            (ConversationType.ADMIN_VENDOR.value, "Vendors"),
            (ConversationType.ADMIN_CUSTOMER.value, "Customers"),
            # Shop–customer conversations admins were brought into (decisions §7).
            (ConversationType.VENDOR_CUSTOMER.value, "Shop cases"),
        ),
        recipient_labels=((ParticipantType.VENDOR, "Vendor staff"), (ParticipantType.CUSTOMER, "Customer")),
        type_chips=((ConversationType.ADMIN_VENDOR.value, "Vendor"), (ConversationType.ADMIN_CUSTOMER.value, "Customer"),
                    (ConversationType.VENDOR_CUSTOMER.value, "Shop case")),
        shows_vendor_name=True,
        escalated_filter=True,
        more_nav=(("admin_settings.messaging", "Messaging settings"),),
    ),
)

VENDOR = Role(
    type=ParticipantType.VENDOR,
    surface="vendor",
    policy=RolePolicy(
        visible_types=(ConversationType.ADMIN_VENDOR, ConversationType.VENDOR_CUSTOMER),
        creatable={ConversationType.VENDOR_CUSTOMER: ParticipantType.CUSTOMER},
        can_close=True,
        scoped_to_vendor=True,
        own_rows_in_scope_by_vendor=True,
        can_escalate=True,
    ),
    pages=RolePages(
        blueprint_name="vendor_messages",
        url_prefix="/vendor/messages",
        layout="layouts/staff.html",
        area_label="Vendor",
        nav_section="Sales",
        split_panel=True,
        sign_in_endpoint="sign_in.staff_login",
        home_endpoint="vendor_messages.inbox",
        type_filters=(
            (ConversationType.VENDOR_CUSTOMER.value, "Customers"),
            (ConversationType.ADMIN_VENDOR.value, "Platform"),
        ),
        recipient_labels=((ParticipantType.CUSTOMER, "Customer"),),
        type_chips=((ConversationType.VENDOR_CUSTOMER.value, "Customer"), (ConversationType.ADMIN_VENDOR.value, "Platform")),
    ),
)

CUSTOMER = Role(
    type=ParticipantType.CUSTOMER,
    surface="shop",
    policy=RolePolicy(
        visible_types=(ConversationType.VENDOR_CUSTOMER, ConversationType.ADMIN_CUSTOMER),
        scoped_to_vendor=True,
        participants_only=True,
        own_rows_always_in_scope=True,
        can_escalate=True,
        starts_with_own_shop=True,
    ),
    pages=RolePages(
        blueprint_name="shop_messages",
        url_prefix="/shop/account/messages",
        layout="layouts/shop.html",
        area_label="Shop",
        nav_section="",
        split_panel=False,
        sign_in_endpoint="sign_in.shop_login",
        home_endpoint="shop_account.dashboard",
        counterpart_is_team=True,
    ),
)

ROLES: tuple[Role, ...] = (ADMIN, VENDOR, CUSTOMER)
_BY_TYPE = {role.type: role for role in ROLES}
_BY_SURFACE = {role.surface: role for role in ROLES}


def role_of(principal_type: ParticipantType) -> Role:
    return _BY_TYPE[principal_type]


def role_for_surface(surface: str) -> Role:
    return _BY_SURFACE[surface]


def policy_for(principal: Principal) -> RolePolicy:
    return _BY_TYPE[principal.type].policy
