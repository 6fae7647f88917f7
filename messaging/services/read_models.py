"""What the service hands to the web layers: plain values, every name already resolved.

Both the JSON API and the HTML pages render these, so a page never triggers a lazy load.
"""
from dataclasses import dataclass, field
from datetime import datetime

from messaging.models import ConversationStatus, ConversationType, ParticipantType


@dataclass(frozen=True)
class ParticipantRef:
    type: ParticipantType
    id: int
    name: str


@dataclass(frozen=True)
class VendorRef:
    id: int
    name: str


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    conversation_id: int
    message_id: int
    filename: str
    content_type: str
    size_bytes: int
    is_image: bool


@dataclass(frozen=True)
class MessageItem:
    id: int
    conversation_id: int
    sender: ParticipantRef
    content: str
    is_system_message: bool
    created_at: datetime
    attachments: list[AttachmentInfo] = field(default_factory=list)


@dataclass(frozen=True)
class ConversationContext:
    """What the conversation is about on the host marketplace (decisions §7)."""

    type: str  # "order" or "product"
    ref: str
    label: str
    url: str | None

    @property
    def type_label(self) -> str:
        return {"order": "Order", "product": "Product"}.get(self.type, self.type)


@dataclass(frozen=True)
class EscalationInfo:
    """The marketplace was asked to step in: by whom, when and why; and, once done, who resolved it."""

    escalated_by: ParticipantRef
    escalated_at: datetime
    reason: str
    resolved_by: ParticipantRef | None
    resolved_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    conversation_type: ConversationType
    subject: str
    status: ConversationStatus
    vendor: VendorRef | None
    participants: list[ParticipantRef]
    last_message_preview: str
    last_message_at: datetime
    message_count: int
    unread_count: int
    created_at: datetime
    context: ConversationContext | None
    escalation: EscalationInfo | None

    @property
    def is_open(self) -> bool:
        return self.status == ConversationStatus.OPEN

    @property
    def is_escalated(self) -> bool:
        return self.escalation is not None and self.escalation.is_open


@dataclass(frozen=True)
class ConversationDetail(ConversationSummary):
    """A conversation as its thread shows it: the summary's fields plus the messages and what the caller may do."""

    messages: list[MessageItem]
    has_more_messages: bool
    email_notifications: bool
    can_reply: bool
    can_close: bool
    can_escalate: bool
    can_resolve: bool


@dataclass(frozen=True)
class ConversationPage:
    items: list[ConversationSummary]
    # At most ``queries.TOTAL_COUNTED_UP_TO`` (or a little past the page): a lower bound unless exact.
    total: int
    page: int
    per_page: int
    total_is_exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Recipient:
    type: ParticipantType
    id: int
    name: str
    email: str
    vendor: VendorRef | None
