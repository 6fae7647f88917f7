"""The three API surfaces and the principal kind each one serves.

One set of views is registered once per role; the role is a URL default of the
registration, so every view knows which surface it was called on.
"""
from messaging.models import ParticipantType

API_PREFIX = "/api/v1"

# URL segment -> the principal kind the surface is for
ROLE_SURFACES: dict[str, ParticipantType] = {
    "admin": ParticipantType.ADMIN,
    "vendor": ParticipantType.VENDOR,
    "shop": ParticipantType.CUSTOMER,
}


def blueprint_name(role: str) -> str:
    return f"api_{role}_messages"


def messages_prefix(role: str) -> str:
    return f"{API_PREFIX}/{role}/messages"
