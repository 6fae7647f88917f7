"""Factories for tests: the marketplace's accounts, conversations and uploads, built as callers build them."""
import io
from dataclasses import dataclass

from werkzeug.datastructures import FileStorage

from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import Vendor
from messaging.services import accounts

# The password of every account the factories make.
PASSWORD = "correct-horse"


@dataclass
class Marketplace:
    """Two shops with staff and customers, and two admins: enough to test every scope."""

    admin: Principal
    admin2: Principal
    vendor_a: Vendor
    vendor_b: Vendor
    staff_a: Principal
    staff_a2: Principal
    staff_b: Principal
    multi_in_a: Principal
    multi_in_b: Principal
    customer_a: Principal
    customer_a2: Principal
    customer_b: Principal



def build_marketplace() -> Marketplace:
    admin = accounts.create_admin("admin@test.example", "Ada Admin", PASSWORD)
    admin2 = accounts.create_admin("admin2@test.example", "Ali Admin", PASSWORD)
    vendor_a = accounts.create_vendor("shop-a", "Shop A")
    vendor_b = accounts.create_vendor("shop-b", "Shop B")
    staff_a = accounts.create_vendor_user("staff@a.example", "shop-a", "Sara A", PASSWORD)
    staff_a2 = accounts.create_vendor_user("staff2@a.example", "shop-a", "Sven A", PASSWORD)
    staff_b = accounts.create_vendor_user("staff@b.example", "shop-b", "Bea B", PASSWORD)
    multi = accounts.create_vendor_user("multi@example", "shop-a", "Mo Multi", PASSWORD)
    accounts.create_vendor_user("multi@example", "shop-b", "Mo Multi", PASSWORD)
    customer_a = accounts.create_customer("cust@example", "shop-a", "Cora Customer", PASSWORD)
    customer_a2 = accounts.create_customer("cust2@example", "shop-a", "Cid Customer", PASSWORD)
    customer_b = accounts.create_customer("cust@example", "shop-b", "Cleo Customer", PASSWORD)
    db.session.commit()
    return Marketplace(
        admin=accounts.admin_principal(admin),
        admin2=accounts.admin_principal(admin2),
        vendor_a=vendor_a,
        vendor_b=vendor_b,
        staff_a=accounts.vendor_principal(staff_a, vendor_a),
        staff_a2=accounts.vendor_principal(staff_a2, vendor_a),
        staff_b=accounts.vendor_principal(staff_b, vendor_b),
        multi_in_a=accounts.vendor_principal(multi, vendor_a),
        multi_in_b=accounts.vendor_principal(multi, vendor_b),
        customer_a=accounts.customer_principal(customer_a),
        customer_a2=accounts.customer_principal(customer_a2),
        customer_b=accounts.customer_principal(customer_b),
    )


def start(service, sender, kind, recipient, subject="Hello", text="First message", **extra):
    """Start a conversation with the recipient's own shop as its vendor."""
    return service.create_conversation(
        sender,
        conversation_type=kind,
        subject=subject,
        recipient_type=recipient.type,
        recipient_id=recipient.id,
        vendor_id=recipient.vendor_id,
        initial_message=text,
        **extra,
    )


def upload(name: str, data: bytes) -> FileStorage:
    """An upload as the service receives it from Flask: a werkzeug FileStorage."""
    return FileStorage(stream=io.BytesIO(data), filename=name)
