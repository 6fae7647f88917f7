"""The states of a shop–customer conversation that decisions §7 distinguishes, built as callers build them."""
from messaging.models import ConversationType
from tests.factories import start

# state -> the marketplace principals (attribute names) who see the conversation in that state
PLAIN_AUDIENCE = {"staff_a", "staff_a2", "multi_in_a", "customer_a"}
AUDIENCE = {
    "never_escalated": PLAIN_AUDIENCE,
    "escalated": PLAIN_AUDIENCE | {"admin", "admin2"},
    # admin replied and resolved it; admin2 never took part
    "resolved": PLAIN_AUDIENCE | {"admin"},
    "escalated_again": PLAIN_AUDIENCE | {"admin", "admin2"},
}
EVERYONE = ("admin", "admin2", "staff_a", "staff_a2", "staff_b", "multi_in_a", "multi_in_b",
            "customer_a", "customer_a2", "customer_b")


def build_case(service, m, state: str) -> int:
    """Shop A's conversation with its customer A, brought to ``state``; returns its id."""
    conversation = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Parcel damaged",
                         context_type="order", context_ref="A-1001", context_label="Garden chairs")
    if state == "never_escalated":
        return conversation.id
    service.escalate(m.customer_a, conversation.id, "The shop will not replace the chairs.")
    if state == "escalated":
        return conversation.id
    service.send_message(m.admin, conversation.id, "The marketplace is looking into it.")
    service.resolve(m.admin, conversation.id)
    if state == "resolved":
        return conversation.id
    service.escalate(m.staff_a, conversation.id, "The customer disputes the resolution.")
    return conversation.id
