"""Who a conversation is with, seen from the signed-in principal: "Green Grocer", "Carol Shopper, Chris Basket"."""
from messaging.identity import Principal
from messaging.models import ConversationType
from messaging.roles import RolePages
from messaging.services.read_models import ConversationSummary

NO_ONE = "—"
MARKETPLACE_TEAM = "Marketplace team"


def counterpart_name(conversation: ConversationSummary, principal: Principal, pages: RolePages) -> str:
    if pages.counterpart_is_team:
        # Customers write to a team, never to a named person: their shop, or the marketplace.
        if conversation.conversation_type == ConversationType.VENDOR_CUSTOMER and conversation.vendor:
            return conversation.vendor.name
        return MARKETPLACE_TEAM
    others = [participant.name for participant in conversation.participants if participant.type != principal.type]
    return ", ".join(others) if others else NO_ONE
