"""Who may receive an event: audience keys derived from the role registry's access rules.

An event of a conversation goes to the audiences that the pages' rules (``RolePolicy``,
:func:`messaging.policy.scope_clause`) let see that conversation: for each role whose
``visible_types`` include its type, the whole role (admins), the role within the
conversation's vendor (``scoped_to_vendor``: vendor staff acting for that vendor), or, for
``participants_only`` roles, each participant of that role (the customer). A stream listens
to the one audience of its principal, plus the principal's personal audience, which alone
carries that person's reads (their other tabs clear their badges; nobody else learns of it),
and the conversations a mediator (an admin, decisions §7) took part in once they are no longer
escalated: those only that admin may still see.

The same key on both sides is the whole rule: nothing is filtered after the fact.
"""
from collections.abc import Iterable

from messaging.identity import Principal
from messaging.models import ConversationType, ParticipantType
from messaging.roles import ROLES, Role, role_of


def _key(role: Role, vendor_id: int | None, participant_id: int | None) -> str:
    key = role.type.value
    if role.policy.participants_only:
        key += f":{participant_id}"
    if role.policy.scoped_to_vendor:
        key += f"@{vendor_id}"
    return key


def conversation_audiences(
    conversation_type: ConversationType,
    vendor_id: int | None,
    participants: Iterable[tuple[ParticipantType, int]],
    escalated: bool = False,
) -> list[str]:
    """Every audience that may see a conversation of this type, vendor, participants and escalation."""
    participants = list(participants)
    keys: list[str] = []
    for role in ROLES:
        if conversation_type in role.policy.mediated_types:
            # decisions §7: the whole role while it is escalated; otherwise those of it who took part.
            if escalated:
                keys.append(_key(role, vendor_id, None))
            else:
                keys.extend(_personal_key(role.type, pid, None) for ptype, pid in participants if ptype == role.type)
            continue
        if conversation_type not in role.policy.visible_types:
            continue
        if role.policy.scoped_to_vendor and vendor_id is None:
            continue
        if role.policy.participants_only:
            keys.extend(_key(role, vendor_id, pid) for ptype, pid in participants if ptype == role.type)
        else:
            keys.append(_key(role, vendor_id, None))
    return list(dict.fromkeys(keys))


def audience_of(principal: Principal) -> str | None:
    """The audience a principal's streams listen to (None: a vendor user acting for no vendor sees nothing)."""
    role = role_of(principal.type)
    if role.policy.scoped_to_vendor and principal.vendor_id is None:
        return None
    return _key(role, principal.vendor_id, principal.id)


def personal_audience(principal: Principal) -> str:
    """Only this person, acting in this context: their reads reach their own other tabs."""
    return _personal_key(principal.type, principal.id, principal.vendor_id)


def _personal_key(participant_type: ParticipantType, participant_id: int, vendor_id: int | None) -> str:
    return f"person:{participant_type.value}:{participant_id}@{vendor_id or ''}"


def audiences_of(principal: Principal) -> tuple[str, ...]:
    shared = audience_of(principal)
    return (shared, personal_audience(principal)) if shared else (personal_audience(principal),)
