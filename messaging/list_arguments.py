"""The conversation list's query arguments, read by one schema for the API and the pages.

The API refuses a malformed filter with 422; a page never shows an error for a link
someone mangled, so `load_leniently` leaves out what does not validate, as if not given.
"""
import functools

import marshmallow as ma
from marshmallow import ValidationError, fields, validate

from messaging.models import ConversationStatus, ConversationType
from messaging.models.conversation import CONTEXT_REF_MAX_LENGTH
from messaging.schema_fields import TrimmedString, enum_field
from messaging.services.conversations.context import CONTEXT_TYPES
from messaging.services.conversations.validation import MAX_PER_PAGE, SEARCH_MAX_LENGTH

LIST_PER_PAGE = 20
# Deep pages are pointless (nobody pages a million times) and would overflow OFFSET arithmetic.
MAX_PAGE = 100_000


class ConversationListArgsSchema(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=LIST_PER_PAGE, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    status = enum_field(ConversationStatus, load_default=None)
    conversation_type = enum_field(ConversationType, load_default=None)
    # Loaded under ListFilters' own names, so the view hands them over as they are.
    unread_only = fields.Boolean(
        data_key="unread", load_default=False, metadata={"description": "Only conversations with unread messages."}
    )
    search = TrimmedString(
        data_key="q", load_default="", validate=validate.Length(max=SEARCH_MAX_LENGTH),
        metadata={"description": "Matches the subject, participant names, and the order or product reference and label."},
    )
    escalated_only = fields.Boolean(
        data_key="escalated", load_default=False,
        metadata={"description": "Only conversations escalated to the marketplace and not resolved."},
    )
    context_type = fields.String(load_default=None, validate=validate.OneOf(CONTEXT_TYPES))
    context_ref = TrimmedString(load_default=None, validate=validate.Length(min=1, max=CONTEXT_REF_MAX_LENGTH))


class PageListArgsSchema(ConversationListArgsSchema):
    """The pages' list URL (decisions §6) says `type`; a search too long is the service's
    refusal to explain in the page, not a filter to drop in silence."""

    class Meta:
        unknown = ma.EXCLUDE

    conversation_type = enum_field(ConversationType, data_key="type", load_default=None)
    search = TrimmedString(data_key="q", load_default="")


PAGE_LIST_ARGS = PageListArgsSchema()


def load_leniently(schema: ma.Schema, args) -> dict:
    if not args:
        # The list as first opened, and as each of its polls asks for it: the defaults, loaded once.
        return dict(_defaults(schema))
    values = {key: args.get(key) for key in args}
    try:
        return schema.load(values)
    except ValidationError as refusal:
        # The refusal names the arguments as they were sent: load again without them.
        return schema.load({key: value for key, value in values.items() if key not in refusal.messages})


@functools.cache
def _defaults(schema: ma.Schema) -> dict:
    return schema.load({})
