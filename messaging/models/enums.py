"""The enums of the specification, stored as their string values."""
import enum


class ConversationType(str, enum.Enum):
    ADMIN_VENDOR = "admin_vendor"
    VENDOR_CUSTOMER = "vendor_customer"
    ADMIN_CUSTOMER = "admin_customer"


class ParticipantType(str, enum.Enum):
    ADMIN = "admin"
    VENDOR = "vendor"
    CUSTOMER = "customer"


class ConversationStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


# Admin and vendor participants reference users.id; customers reference customers.id.
USER_PARTICIPANT_TYPES = (ParticipantType.ADMIN, ParticipantType.VENDOR)
