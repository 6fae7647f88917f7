"""Who is acting: the principal every service call is made for."""
from dataclasses import dataclass

from messaging.models import ParticipantType


@dataclass(frozen=True)
class Principal:
    type: ParticipantType
    id: int
    name: str
    # The vendor a vendor user acts for, or the shop a customer belongs to; None for admins.
    vendor_id: int | None = None

    @property
    def key(self) -> tuple[ParticipantType, int]:
        return (self.type, self.id)
