"""What each role may see and do (decisions §2), as data rather than per-role code paths.

Every conversation query goes through :func:`scope_clause`, so no caller can forget
the rules; what a role may not see simply does not exist for it (404).
"""
from dataclasses import dataclass, field

from sqlalchemy import and_, true
from sqlalchemy.sql.elements import ColumnElement

from messaging.identity import Principal
from messaging.models import Conversation, ConversationParticipant, ConversationType, ParticipantType


@dataclass(frozen=True)
class RolePolicy:
    role: ParticipantType
    visible_types: tuple[ConversationType, ...]
    # conversation type this role may create -> the kind of recipient it goes to
    creatable: dict[ConversationType, ParticipantType] = field(default_factory=dict)
    can_close: bool = False
    # Vendor staff see their vendor's team inbox; a customer sees only conversations they are in.
    scoped_to_vendor: bool = False
    participants_only: bool = False

    @property
    def can_create(self) -> bool:
        return bool(self.creatable)

    @property
    def own_rows_always_in_scope(self) -> bool:
        """True when the role's participant rows can only exist inside its scope.

        Admins and customers act in one context only, so a row of theirs never
        leaves their scope. Vendor staff may work for several vendors and see one
        at a time, so their rows must still be filtered by the vendor they act for.
        """
        return self.participants_only or not self.scoped_to_vendor

    @property
    def recipient_types(self) -> tuple[ParticipantType, ...]:
        return tuple(dict.fromkeys(self.creatable.values()))


POLICIES: dict[ParticipantType, RolePolicy] = {
    ParticipantType.ADMIN: RolePolicy(
        role=ParticipantType.ADMIN,
        visible_types=(ConversationType.ADMIN_VENDOR, ConversationType.ADMIN_CUSTOMER),
        creatable={
            ConversationType.ADMIN_VENDOR: ParticipantType.VENDOR,
            ConversationType.ADMIN_CUSTOMER: ParticipantType.CUSTOMER,
        },
        can_close=True,
    ),
    ParticipantType.VENDOR: RolePolicy(
        role=ParticipantType.VENDOR,
        visible_types=(ConversationType.ADMIN_VENDOR, ConversationType.VENDOR_CUSTOMER),
        creatable={ConversationType.VENDOR_CUSTOMER: ParticipantType.CUSTOMER},
        can_close=True,
        scoped_to_vendor=True,
    ),
    ParticipantType.CUSTOMER: RolePolicy(
        role=ParticipantType.CUSTOMER,
        visible_types=(ConversationType.VENDOR_CUSTOMER, ConversationType.ADMIN_CUSTOMER),
        scoped_to_vendor=True,
        participants_only=True,
    ),
}


def policy_for(principal: Principal) -> RolePolicy:
    return POLICIES[principal.type]


def scope_clause(principal: Principal, own_row: type[ConversationParticipant]) -> ColumnElement:
    """SQL condition on ``Conversation`` (outer-joined to the caller's ``own_row``) for what they may see."""
    policy = policy_for(principal)
    conditions = [Conversation.conversation_type.in_(policy.visible_types)]
    if policy.scoped_to_vendor:
        if principal.vendor_id is None:
            return ~true()
        conditions.append(Conversation.vendor_id == principal.vendor_id)
    if policy.participants_only:
        conditions.append(own_row.id.is_not(None))
    return and_(*conditions)


def own_row_join(principal: Principal, own_row: type[ConversationParticipant]) -> ColumnElement:
    """Join condition picking the caller's own participant row of a conversation, if any."""
    return and_(
        own_row.conversation_id == Conversation.id,
        own_row.participant_type == principal.type,
        own_row.participant_id == principal.id,
    )
