"""Resolve polymorphic participant references to display names in one query per table."""
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from messaging.models import Customer, ParticipantType, User
from messaging.models.enums import USER_PARTICIPANT_TYPES

UNKNOWN_NAME = "Deleted account"


def resolve_names(
    session: Session, refs: Iterable[tuple[ParticipantType, int]]
) -> dict[tuple[ParticipantType, int], str]:
    refs = set(refs)
    user_ids = {ref_id for ref_type, ref_id in refs if ref_type in USER_PARTICIPANT_TYPES}
    customer_ids = {ref_id for ref_type, ref_id in refs if ref_type == ParticipantType.CUSTOMER}
    user_names: dict[int, str] = {}
    customer_names: dict[int, str] = {}
    if user_ids:
        user_names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
    if customer_ids:
        customer_names = dict(
            session.execute(
                select(Customer.id, Customer.full_name).where(Customer.id.in_(customer_ids))
            ).all()
        )
    names = {}
    for ref_type, ref_id in refs:
        table = customer_names if ref_type == ParticipantType.CUSTOMER else user_names
        names[(ref_type, ref_id)] = table.get(ref_id, UNKNOWN_NAME)
    return names
