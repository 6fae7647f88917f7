"""Marketplace cases (decisions §7): escalating to the marketplace, resolving, and customers
starting conversations with their own shop.

Named write paths beside :mod:`.commands`, built from its steps; like them they add and flush
and never commit (the caller's unit of work does).
"""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from messaging import live
from messaging.clock import utcnow
from messaging.identity import Principal
from messaging.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    ConversationType,
)
from messaging.models.conversation import ESCALATION_REASON_MAX_LENGTH
from messaging.policy import escalated_clause
from messaging.roles import RolePolicy, policy_for
from messaging.services.attachments import Upload
from messaging.services.conversations.commands import ConversationCommands
from messaging.services.conversations.context import checked_context
from messaging.services.conversations.scope import load_scoped
from messaging.services.conversations.validation import (
    checked_content,
    checked_subject,
    preview_of,
    require_text_or_files,
)
from messaging.services.errors import ConversationClosed, InvalidInput, MessagingError, NotAllowed
from messaging.services.messaging_settings import customers_can_start
from messaging.services.read_models import ConversationSummary

DAILY_LIMIT_SETTING = "CUSTOMER_CONVERSATIONS_PER_DAY"
LIMIT_WINDOW = timedelta(days=1)
ESCALATED_NOTE = "{name} asked the marketplace to step in: {reason}"
RESOLVED_NOTE = "Resolved by {name}"


class TooManyConversations(MessagingError):
    """A customer started as many conversations as a day allows; ``Retry-After`` says when one more fits."""

    def __init__(self, limit: int, retry_after_seconds: int):
        super().__init__(f"You can start {limit} conversations a day. Try again later, or reply to one you have.")
        self.headers = {"Retry-After": str(max(1, retry_after_seconds))}


@dataclass(frozen=True)
class ShopConversation:
    """A customer's new conversation with their own shop."""

    subject: str
    initial_message: str
    context_type: str | None = None
    context_ref: str | None = None
    context_label: str | None = None
    uploads: tuple[Upload, ...] | list[Upload] = ()


def may_escalate(policy: RolePolicy, conversation: ConversationSummary) -> bool:
    return (
        policy.can_escalate
        and conversation.conversation_type == ConversationType.VENDOR_CUSTOMER
        and conversation.is_open
        and not conversation.is_escalated
    )


class ConversationCases:
    def __init__(self, session: Session, commands: ConversationCommands):
        self.session = session
        self.commands = commands

    def escalate(self, principal: Principal, conversation_id: int, reason: str) -> bool:
        """Ask the marketplace to step in; True when this call escalated it (False: it already was)."""
        if not policy_for(principal).can_escalate:
            raise NotAllowed("Only the shop and its customer can ask the marketplace to step in.")
        scoped = load_scoped(self.session, principal, conversation_id)
        conversation = scoped.conversation
        if conversation.conversation_type != ConversationType.VENDOR_CUSTOMER:
            raise NotAllowed("Only conversations between a shop and its customer can be escalated.")
        reason = checked_reason(reason)
        if conversation.status != ConversationStatus.OPEN:
            raise ConversationClosed("This conversation is closed; it cannot be escalated.")
        if conversation.escalated_at is not None and conversation.resolved_at is None:
            return False
        now = utcnow()
        # Guarded: of two escalations at once only one writes, and none into a conversation closed meanwhile.
        result = self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.status == ConversationStatus.OPEN,
                   ~escalated_clause())
            .values(escalated_at=now, escalated_by_type=principal.type.value, escalated_by_id=principal.id,
                    escalation_reason=reason, resolved_at=None, resolved_by_id=None,
                    message_count=Conversation.message_count + 1, last_message_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        self.commands.take_part(conversation_id, principal, now=now)
        self.commands.post_system_note(
            conversation_id, principal, ESCALATED_NOTE.format(name=principal.name, reason=reason), now
        )
        live.announce(self.session, live.STATUS_CHANGED, conversation_id, status=ConversationStatus.OPEN.value,
                      escalated=True)
        return True

    def resolve(self, principal: Principal, conversation_id: int) -> bool:
        """Mark the escalation resolved; True when this call did (False: it was not escalated)."""
        if not policy_for(principal).can_resolve:
            raise NotAllowed("Only the marketplace's admins resolve escalations.")
        scoped = load_scoped(self.session, principal, conversation_id)
        status = scoped.conversation.status
        now = utcnow()
        result = self.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, escalated_clause())
            .values(resolved_at=now, resolved_by_id=principal.id,
                    message_count=Conversation.message_count + 1, last_message_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        # Resolving is taking part: the admin keeps seeing the conversation afterwards (decisions §7).
        self.commands.take_part(conversation_id, principal, now=now)
        self.commands.post_system_note(conversation_id, principal, RESOLVED_NOTE.format(name=principal.name), now)
        live.announce(self.session, live.STATUS_CHANGED, conversation_id, to_all_mediators=True,
                      status=status.value, escalated=False)
        return True

    def start_with_own_shop(self, principal: Principal, draft: ShopConversation) -> int:
        """A customer's conversation with the shop their account belongs to; returns its id."""
        ensure_customer_may_start(principal)
        subject = checked_subject(draft.subject)
        content = checked_content(draft.initial_message)
        context = checked_context(draft.context_type, draft.context_ref, draft.context_label)
        files = self.commands.attachments.validate_all(draft.uploads)
        require_text_or_files(content, files, field="initial_message")
        self._check_daily_limit(principal)
        now = utcnow()
        conversation = Conversation(
            conversation_type=ConversationType.VENDOR_CUSTOMER,
            subject=subject,
            status=ConversationStatus.OPEN,
            vendor_id=principal.vendor_id,
            created_by_type=principal.type,
            created_by_id=principal.id,
            created_at=now,
            last_message_at=now,
            message_count=1,
            last_message_preview=preview_of(content, files),
            context_type=context.type if context else None,
            context_ref=context.ref if context else None,
            context_label=(context.label or None) if context else None,
        )
        # The shop answers as a team (its inbox); its staff join when they act, as in every team inbox.
        conversation.participants = [
            ConversationParticipant(participant_type=principal.type, participant_id=principal.id, unread_count=0,
                                    joined_at=now, last_read_at=now, vendor_id=conversation.vendor_id),
        ]
        self.session.add(conversation)
        self.session.flush()
        message = self.commands.write_message(conversation.id, principal, content, now)
        self.commands.attach_files(message, files, now)
        self.commands.mark_for_email(message, principal)
        live.announce(self.session, live.CONVERSATION_STARTED, conversation.id, message_id=message.id)
        return conversation.id

    def _check_daily_limit(self, principal: Principal) -> None:
        limit = int(current_app.config[DAILY_LIMIT_SETTING])
        since = utcnow() - LIMIT_WINDOW
        started = self.session.execute(
            select(func.count(), func.min(Conversation.created_at)).where(
                Conversation.created_by_type == principal.type,
                Conversation.created_by_id == principal.id,
                Conversation.created_at > since,
            )
        ).one()
        count, oldest = started
        if count >= limit:
            raise TooManyConversations(limit, int((oldest + LIMIT_WINDOW - utcnow()).total_seconds()) + 1)


def ensure_customer_may_start(principal: Principal) -> None:
    """Customers start conversations only while the platform allows it (403 otherwise, as before)."""
    if not policy_for(principal).starts_with_own_shop or not customers_can_start():
        raise NotAllowed("You can reply to conversations but not start them.")


def checked_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the marketplace should step in.", fields={"reason": "Required."})
    if len(reason) > ESCALATION_REASON_MAX_LENGTH:
        raise InvalidInput("The reason is too long.",
                           fields={"reason": f"At most {ESCALATION_REASON_MAX_LENGTH:,} characters."})
    return reason
