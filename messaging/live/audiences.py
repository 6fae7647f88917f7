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

from sqlalchemy import ColumnElement, FromClause, Select, String, and_, cast, func, literal, not_, select, union_all

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


def conversation_audiences_in_sql(conversation: FromClause, people: FromClause) -> Select:
    """:func:`conversation_audiences` as a SELECT of ``audience`` rows (each once), for a statement
    that records its own events (PostgreSQL's one-statement send): ``conversation`` is one row with
    the conversation's ``conversation_type``, ``vendor_id``, ``escalated_at`` and ``resolved_at``,
    ``people`` a row per participant (``participant_type``, ``participant_id``).

    The same rules, branch for branch; tests/live/test_audiences_in_sql.py holds the two to the
    same keys for every type, escalation and set of participants.
    """
    kind = conversation.c.conversation_type
    escalated = and_(conversation.c.escalated_at.is_not(None), conversation.c.resolved_at.is_(None))
    # What f"{vendor_id}" prints, None included.
    vendor = func.coalesce(cast(conversation.c.vendor_id, String), "None")
    parts = []

    def each_participant_of(role: Role) -> FromClause:
        return conversation.join(people, people.c.participant_type == role.type)

    for role in ROLES:
        mediated = tuple(role.policy.mediated_types)
        if mediated:
            parts.append(select(_key_in_sql(role, vendor, None).label("audience"))
                         .select_from(conversation).where(kind.in_(mediated), escalated))
            parts.append(select(_personal_key_in_sql(role.type, people.c.participant_id).label("audience"))
                         .select_from(each_participant_of(role)).where(kind.in_(mediated), not_(escalated)))
        visible = [conversation_type for conversation_type in role.policy.visible_types if conversation_type not in mediated]
        if not visible:
            continue
        conditions = [kind.in_(visible)]
        if role.policy.scoped_to_vendor:
            conditions.append(conversation.c.vendor_id.is_not(None))
        if role.policy.participants_only:
            parts.append(select(_key_in_sql(role, vendor, people.c.participant_id).label("audience"))
                         .select_from(each_participant_of(role)).where(*conditions))
        else:
            parts.append(select(_key_in_sql(role, vendor, None).label("audience"))
                         .select_from(conversation).where(*conditions))
    every = union_all(*parts).subquery("every_audience")
    return select(every.c.audience).distinct()


def _key_in_sql(role: Role, vendor: ColumnElement, participant_id: ColumnElement | None) -> ColumnElement:
    key = literal(role.type.value, String)
    if role.policy.participants_only:
        key = key + ":" + (cast(participant_id, String) if participant_id is not None else literal("None", String))
    if role.policy.scoped_to_vendor:
        key = key + "@" + vendor
    return key


def _personal_key_in_sql(participant_type: ParticipantType, participant_id: ColumnElement) -> ColumnElement:
    # _personal_key without a vendor: a mediator's.
    return literal(f"person:{participant_type.value}:", String) + cast(participant_id, String) + "@"


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
