from messaging.models.conversation import (
    Conversation,
    ConversationParticipant,
    Message,
    MessageAttachment,
)
from messaging.models.enums import ConversationStatus, ConversationType, ParticipantType
from messaging.models.idempotency import IdempotencyKey
from messaging.models.live_event import LiveEvent  # issue 10: live delivery
from messaging.models.platform import Customer, PlatformSetting, User, Vendor, VendorUser
from messaging.models.setting_change import PlatformSettingChange

__all__ = [
    "Conversation",
    "ConversationParticipant",
    "ConversationStatus",
    "ConversationType",
    "Customer",
    "IdempotencyKey",
    "LiveEvent",
    "Message",
    "MessageAttachment",
    "ParticipantType",
    "PlatformSetting",
    "PlatformSettingChange",
    "User",
    "Vendor",
    "VendorUser",
]
