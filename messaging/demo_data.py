"""Demo marketplace: the accounts the README lists and conversations of every kind.

Loading is idempotent: accounts are matched by email, conversations by subject,
so running ``flask demo`` again changes nothing.
"""
import io
import struct
import zlib
from dataclasses import dataclass

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from messaging.extensions import db
from messaging.models import Conversation, ConversationType, Customer, User, Vendor
from messaging.services import accounts, messaging_service
from messaging.services.conversations import ShopConversation
from messaging.services.platform_settings import CUSTOMERS_CAN_START, ensure_default_settings, get_setting, set_setting

STAFF_PASSWORD = "demo-password"
CUSTOMER_PASSWORD = "shop-password"

ADMINS = [("admin@marketplace.test", "Alice Admin"), ("ops@marketplace.test", "Oscar Ops")]
VENDORS = [("green-grocer", "Green Grocer"), ("tech-hub", "Tech Hub")]
VENDOR_STAFF = [
    ("gina@greengrocer.test", "Gina Green", "green-grocer"),
    ("gary@greengrocer.test", "Gary Garden", "green-grocer"),
    ("tom@techhub.test", "Tom Tech", "tech-hub"),
    ("tara@techhub.test", "Tara Byte", "tech-hub"),
    # Staff of both shops: shows the vendor choice at sign-in and the switcher.
    ("sam@marketplace-partners.test", "Sam Multi", "green-grocer"),
    ("sam@marketplace-partners.test", "Sam Multi", "tech-hub"),
]
CUSTOMERS = [
    ("carol@example.test", "Carol Shopper", "green-grocer"),
    ("chris@example.test", "Chris Basket", "green-grocer"),
    ("chloe@example.test", "Chloe Fresh", "green-grocer"),
    # Customers are per shop: the same email is a different account at another shop.
    ("carol@example.test", "Carol Shopper", "tech-hub"),
    ("dan@example.test", "Dan Gadget", "tech-hub"),
    ("dora@example.test", "Dora Pixel", "tech-hub"),
]


@dataclass(frozen=True)
class DemoConversation:
    subject: str
    conversation_type: ConversationType
    starter: tuple  # (kind, email, vendor_code)
    recipient: tuple
    exchange: list  # [(speaker 'starter'|'recipient', text, [attachments])]
    closed: bool = False
    read_by_recipient: bool = False


CONVERSATIONS = [
    DemoConversation(
        "Commission rates for the spring season",
        ConversationType.ADMIN_VENDOR,
        ("admin", "admin@marketplace.test", None),
        ("vendor", "gina@greengrocer.test", "green-grocer"),
        [
            ("starter", "Hi Gina, the spring commission table is attached. Any questions, just reply here.", ["commission-table.csv"]),
            ("recipient", "Thanks Alice! Does the reduced rate apply to organic produce too?", []),
            ("starter", "Yes, every product in the organic category is included.", []),
        ],
        read_by_recipient=False,
    ),
    DemoConversation(
        "Product photos need a white background",
        ConversationType.ADMIN_VENDOR,
        ("admin", "ops@marketplace.test", None),
        ("vendor", "tom@techhub.test", "tech-hub"),
        [
            ("starter", "Hello Tom, a few listings use dark backgrounds. Example below.", ["listing-example.png"]),
            ("recipient", "Fixed them all this morning.", []),
        ],
        closed=True,
        read_by_recipient=True,
    ),
    DemoConversation(
        "Where is my order #1042?",
        ConversationType.VENDOR_CUSTOMER,
        ("vendor", "gina@greengrocer.test", "green-grocer"),
        ("customer", "carol@example.test", "green-grocer"),
        [
            ("starter", "Hi Carol, your veggie box left our warehouse today. Tracking: https://tracking.example/1042", []),
            ("recipient", "Great, thank you! Can it be left with my neighbour?", []),
            ("starter", "Of course, we added a note for the courier.", []),
        ],
    ),
    DemoConversation(
        "Replacement charger",
        ConversationType.VENDOR_CUSTOMER,
        ("vendor", "tom@techhub.test", "tech-hub"),
        ("customer", "dan@example.test", "tech-hub"),
        [
            ("starter", "Hi Dan, we are sending a replacement charger. Please return the faulty one with the label attached.", ["return-label.png"]),
            ("recipient", "Received it, works perfectly.", []),
        ],
        closed=True,
        read_by_recipient=True,
    ),
    DemoConversation(
        "Your account verification",
        ConversationType.ADMIN_CUSTOMER,
        ("admin", "admin@marketplace.test", None),
        ("customer", "carol@example.test", "tech-hub"),
        [("starter", "Hello Carol, please confirm your phone number in your account settings.", [])],
    ),
    DemoConversation(
        "Bulk order for a restaurant",
        ConversationType.VENDOR_CUSTOMER,
        ("vendor", "gary@greengrocer.test", "green-grocer"),
        ("customer", "chris@example.test", "green-grocer"),
        [
            ("starter", "Hi Chris, here is the quote for the weekly restaurant delivery.", ["quote.txt"]),
        ],
    ),
]


def load_demo_data() -> list[str]:
    """Create what is missing; return a line per thing created."""
    ensure_default_settings()
    created: list[str] = []
    for email, name in ADMINS:
        if _user(email) is None:
            accounts.create_admin(email, name, STAFF_PASSWORD)
            created.append(f"admin {email}")
    for code, name in VENDORS:
        if _vendor(code) is None:
            accounts.create_vendor(code, name)
            created.append(f"vendor {code}")
    for email, name, code in VENDOR_STAFF:
        user = _user(email)
        if user is None or _vendor(code).id not in {m.vendor_id for m in user.memberships}:
            accounts.create_vendor_user(email, code, name, STAFF_PASSWORD)
            created.append(f"vendor user {email} ({code})")
    for email, name, code in CUSTOMERS:
        if _customer(email, code) is None:
            accounts.create_customer(email, code, name, CUSTOMER_PASSWORD)
            created.append(f"customer {email} ({code})")
    for conversation in CONVERSATIONS:
        if db.session.scalar(select(Conversation.id).where(Conversation.subject == conversation.subject)) is None:
            _create_conversation(conversation)
            created.append(f"conversation {conversation.subject!r}")
    # decisions §7: the demo shows customers starting conversations, so the setting is on here.
    if get_setting(CUSTOMERS_CAN_START) != "true":
        set_setting(CUSTOMERS_CAN_START, "true")
        created.append("setting messaging_customers_can_start = true")
    if db.session.scalar(select(Conversation.id).where(Conversation.subject == ORDER_CASE_SUBJECT)) is None:
        _create_order_case()
        created.append(f"conversation {ORDER_CASE_SUBJECT!r}")
    return created


ORDER_CASE_SUBJECT = "Two items missing from my box"


def _create_order_case() -> None:
    """A customer asks about an order from the order page's entry point; the shop answers; the customer
    asks the marketplace to step in, so the admins' "Escalated" filter has something to show."""
    service = messaging_service()
    customer = _principal("customer", "chris@example.test", "green-grocer")
    staff = _principal("vendor", "gina@greengrocer.test", "green-grocer")
    detail = service.start_with_own_shop(customer, ShopConversation(
        subject=ORDER_CASE_SUBJECT,
        initial_message="The leeks and the kale were not in yesterday's delivery.",
        context_type="order", context_ref="GG-10042", context_label="Weekly vegetable box, 24 Nov",
    ))
    service.send_message(staff, detail.id, "Our packing list says they went out. Could you check again?")
    service.escalate(customer, detail.id, "The shop says the items were packed, but they were not in the box.")


def _create_conversation(spec: DemoConversation) -> None:
    service = messaging_service()
    starter = _principal(*spec.starter)
    recipient = _principal(*spec.recipient)
    (first_speaker, first_text, first_files), *rest = spec.exchange
    detail = service.create_conversation(
        starter,
        conversation_type=spec.conversation_type,
        subject=spec.subject,
        recipient_type=recipient.type,
        recipient_id=recipient.id,
        vendor_id=recipient.vendor_id,
        initial_message=first_text,
        uploads=[_demo_file(name) for name in first_files],
    )
    speakers = {"starter": starter, "recipient": recipient}
    for speaker, text, files in rest:
        service.send_message(speakers[speaker], detail.id, text, [_demo_file(name) for name in files])
    if spec.read_by_recipient:
        service.mark_conversation_read(recipient, detail.id)
    service.mark_conversation_read(starter, detail.id)
    if spec.closed:
        service.close_conversation(starter, detail.id)


def _principal(kind: str, email: str, vendor_code: str | None):
    if kind == "customer":
        return accounts.customer_principal(_customer(email, vendor_code))
    user = _user(email)
    if kind == "admin":
        return accounts.admin_principal(user)
    return accounts.vendor_principal(user, _vendor(vendor_code))


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _vendor(code: str) -> Vendor | None:
    return db.session.scalar(select(Vendor).where(Vendor.code == code))


def _customer(email: str, vendor_code: str) -> Customer | None:
    return db.session.scalar(
        select(Customer).join(Vendor, Vendor.id == Customer.vendor_id).where(Customer.email == email, Vendor.code == vendor_code)
    )


def _demo_file(name: str) -> FileStorage:
    if name.endswith(".png"):
        data = solid_png(64, 40, (46, 125, 50))
    elif name.endswith(".csv"):
        data = b"category,commission_percent\norganic,8\nfresh,10\npantry,12\n"
    else:
        data = b"Weekly delivery: 40 kg vegetables, 15 kg fruit.\nPrice: 310 EUR per week.\n"
    return FileStorage(stream=io.BytesIO(data), filename=name)


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour, made without an imaging library."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
