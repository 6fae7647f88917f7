"""What a conversation is about on the host marketplace (decisions §7): an order or a product.

The messaging module stores the host's reference and label and shows them; it owns no orders or
products. A link is built from the configured URL template of the type (``ORDER_URL_TEMPLATE``,
``PRODUCT_URL_TEMPLATE``, with ``{ref}``); without one there is no link.
"""
from urllib.parse import quote

from flask import current_app

from messaging.models.conversation import CONTEXT_LABEL_MAX_LENGTH, CONTEXT_REF_MAX_LENGTH
from messaging.services.errors import InvalidInput
from messaging.services.read_models import ConversationContext

CONTEXT_TYPES = ("order", "product")
URL_TEMPLATE_SETTINGS = {"order": "ORDER_URL_TEMPLATE", "product": "PRODUCT_URL_TEMPLATE"}


def checked_context(context_type: str | None, ref: str | None, label: str | None) -> ConversationContext | None:
    """The context as stored, or None when none was given; a half-given one is refused."""
    context_type = (context_type or "").strip()
    ref = (ref or "").strip()
    label = (label or "").strip()
    if not context_type and not ref and not label:
        return None
    if context_type not in CONTEXT_TYPES:
        raise InvalidInput("Say what the conversation is about: an order or a product.",
                           fields={"context_type": "Must be order or product."})
    if not ref:
        raise InvalidInput("The reference of the order or product is missing.", fields={"context_ref": "Required."})
    if len(ref) > CONTEXT_REF_MAX_LENGTH:
        raise InvalidInput("The reference is too long.",
                           fields={"context_ref": f"At most {CONTEXT_REF_MAX_LENGTH} characters."})
    if len(label) > CONTEXT_LABEL_MAX_LENGTH:
        raise InvalidInput("The label is too long.",
                           fields={"context_label": f"At most {CONTEXT_LABEL_MAX_LENGTH} characters."})
    return ConversationContext(type=context_type, ref=ref, label=label, url=context_url(context_type, ref))


def context_of(context_type: str | None, ref: str | None, label: str | None) -> ConversationContext | None:
    """The stored columns as a read model (with the link the configuration gives today)."""
    if not context_type or not ref:
        return None
    return ConversationContext(type=context_type, ref=ref, label=label or "", url=context_url(context_type, ref))


def context_url(context_type: str, ref: str) -> str | None:
    template = current_app.config.get(URL_TEMPLATE_SETTINGS.get(context_type, ""))
    if not template:
        return None
    # The reference is the host's text: quoted whole, so it cannot add a path or a query of its own.
    return template.replace("{ref}", quote(ref, safe=""))
