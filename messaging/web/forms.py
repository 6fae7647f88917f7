"""Reading the pages' query strings and form posts into service arguments, and back.

Validation is the service's: these functions only translate, and keep what the
user typed so a refused form comes back filled in.
"""
from dataclasses import dataclass, field
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from messaging.list_arguments import LIST_PER_PAGE, PAGE_LIST_ARGS, load_leniently
from messaging.models import ConversationStatus, ConversationType, ParticipantType
from messaging.roles import Role, RolePages
from messaging.services.conversations import ListFilters
from messaging.services.errors import InvalidInput, MessagingError
from messaging.web.path_ids import ID_MAX, ID_MIN

# The service names some fields as its API does; the compose form has one "recipient" picker.
FIELD_NAMES = {"recipient_id": "recipient", "recipient_type": "recipient", "vendor_id": "recipient"}


@dataclass
class FormState:
    """What a form shows: the values typed and, after a refusal, why."""

    values: dict = field(default_factory=dict)
    error: str | None = None
    field_errors: dict = field(default_factory=dict)

    @classmethod
    def refused(cls, values: dict, refusal: MessagingError) -> "FormState":
        field_errors = {}
        for name, text in (refusal.fields or {}).items():
            field_errors[FIELD_NAMES.get(name, name)] = text
        return cls(values=values, error=refusal.message, field_errors=field_errors)

    def get(self, name: str, default=""):
        return self.values.get(name, default)


@dataclass(frozen=True)
class ListQuery:
    """The list's filters as the page shows them (strings) and as the service takes them."""

    status: str = ""
    type: str = ""
    unread: bool = False
    q: str = ""
    page: int = 1
    per_page: int = LIST_PER_PAGE
    # Marketplace cases (decisions §7): escalated only; about one order or product.
    escalated: bool = False
    context_type: str = ""
    context_ref: str = ""

    def to_filters(self) -> ListFilters:
        return ListFilters(
            status=ConversationStatus(self.status) if self.status else None,
            conversation_type=ConversationType(self.type) if self.type else None,
            unread_only=self.unread,
            search=self.q,
            page=self.page,
            per_page=self.per_page,
            escalated_only=self.escalated,
            context_type=self.context_type or None,
            context_ref=self.context_ref or None,
        )

    def args(self, **changes) -> dict:
        """Query arguments for a link to this list with some filters changed (defaults left out)."""
        values = {"status": self.status, "type": self.type, "unread": "1" if self.unread else "",
                  "q": self.q, "page": self.page if self.page != 1 else "",
                  "per_page": self.per_page if self.per_page != LIST_PER_PAGE else "",
                  "escalated": "1" if self.escalated else "", "context_type": self.context_type,
                  "context_ref": self.context_ref}
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None, False)}

    def query_string(self, **changes) -> str:
        return urlencode(self.args(**changes))

    @property
    def is_filtered(self) -> bool:
        return bool(self.status or self.type or self.unread or self.q or self.escalated or self.context_type
                    or self.context_ref)


def read_list_query(args: MultiDict, pages: RolePages) -> ListQuery:
    """Unknown or malformed values fall back to "no filter" rather than an error page."""
    loaded = load_leniently(PAGE_LIST_ARGS, args)
    conversation_type = loaded["conversation_type"].value if loaded["conversation_type"] else ""
    return ListQuery(
        status=loaded["status"].value if loaded["status"] else "",
        type=conversation_type if conversation_type in {value for value, _ in pages.type_filters} else "",
        unread=loaded["unread_only"],
        q=loaded["search"],
        page=loaded["page"],
        per_page=loaded["per_page"],
        escalated=pages.escalated_filter and loaded["escalated_only"],
        context_type=loaded["context_type"] or "",
        context_ref=loaded["context_ref"] or "",
    )


@dataclass(frozen=True)
class RecipientChoice:
    type: ParticipantType
    id: int
    vendor_id: int | None

    @property
    def value(self) -> str:
        return encode_recipient(self.type, self.id, self.vendor_id)


def encode_recipient(recipient_type: ParticipantType, recipient_id: int, vendor_id: int | None) -> str:
    return f"{recipient_type.value}:{recipient_id}:{vendor_id or ''}"


def recipient_value(person) -> str:
    """The picker's radio value for a :class:`~messaging.services.read_models.Recipient` (a Jinja filter)."""
    return encode_recipient(person.type, person.id, person.vendor.id if person.vendor else None)


def read_recipient(value: str) -> RecipientChoice:
    """The picker's radio value ``type:id:vendor_id``; a vendor user of several shops is one option per shop."""
    kind, _, rest = (value or "").partition(":")
    raw_id, _, raw_vendor = rest.partition(":")
    try:
        choice = RecipientChoice(ParticipantType(kind), int(raw_id), int(raw_vendor) if raw_vendor else None)
    except ValueError:
        choice = None
    # Ids the database cannot hold are no one (and would overflow its integer on the way).
    if choice is None or not all(ID_MIN <= number <= ID_MAX for number in (choice.id, choice.vendor_id or 1)):
        raise InvalidInput("Choose who the conversation is with.", fields={"recipient": "Choose a recipient."})
    return choice


def read_recipient_type(value: str | None, role: Role) -> ParticipantType | None:
    """The chosen kind of recipient, or the role's first; None for a role that writes to nobody (the service says no)."""
    allowed = role.policy.recipient_types
    if not allowed:
        return None
    try:
        chosen = ParticipantType(value or "")
    except ValueError:
        return allowed[0]
    return chosen if chosen in allowed else allowed[0]
