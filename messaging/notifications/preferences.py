"""Each account's default for conversations started with it ("email me about new conversations").

Per conversation, ``ConversationParticipant.email_notifications`` still decides; this
default only sets it when someone else starts a conversation with the account.
"""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.identity import Principal
from messaging.models.notifications import NotificationPreference


def emails_about_new_conversations(principal: Principal) -> bool:
    value = db.session.scalar(
        select(NotificationPreference.email_new_conversations).where(
            NotificationPreference.participant_type == principal.type.value,
            NotificationPreference.account_id == principal.id,
        )
    )
    return True if value is None else bool(value)


def set_emails_about_new_conversations(principal: Principal, enabled: bool) -> bool:
    """Store the default (the caller commits)."""
    row = db.session.scalar(
        select(NotificationPreference).where(
            NotificationPreference.participant_type == principal.type.value,
            NotificationPreference.account_id == principal.id,
        )
    )
    if row is None:
        row = NotificationPreference(participant_type=principal.type.value, account_id=principal.id)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            # Saved concurrently from another tab: update that row instead.
            return set_emails_about_new_conversations(principal, enabled)
    row.email_new_conversations = bool(enabled)
    row.updated_at = utcnow()
    db.session.flush()
    return row.email_new_conversations
