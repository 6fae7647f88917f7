"""Request and response shapes of the JSON API, named as in the specification (decisions §5).

These marshmallow schemas both validate requests and produce the OpenAPI document,
so the document describes what the endpoints really accept and answer.
"""
import marshmallow as ma
from marshmallow import fields, validate

from messaging.api.download_urls import attachment_download_url
from messaging.clock import isoformat_utc
from messaging.models import ConversationStatus, ConversationType, ParticipantType
from messaging.models.conversation import SUBJECT_MAX_LENGTH
from messaging.services.conversations.validation import (
    CONTENT_MAX_LENGTH,
    MAX_PER_PAGE,
    MAX_RECIPIENT_LIMIT,
    SEARCH_MAX_LENGTH,
)

# Ids are 32-bit in the database; anything outside is refused before it reaches SQL.
ID_RANGE = validate.Range(min=1, max=2**31 - 1)
# Deep pages are pointless (nobody pages a million times) and would overflow OFFSET arithmetic.
MAX_PAGE = 100_000


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with a ``Z``: the stored datetimes are naive UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat_utc(value)


class TrimmedString(fields.String):
    """Text whose length is checked after trimming, as the service stores it (decisions §3):
    10,000 characters plus surrounding spaces is a message of 10,000 characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def enum_field(enum_class, **kwargs) -> fields.Enum:
    """An enum sent as its value, documented as a string with its allowed values."""
    return fields.Enum(enum_class, by_value=True, metadata={"type": "string"}, **kwargs)


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE


# ------------------------------------------------------------------ responses


class ParticipantSchema(ma.Schema):
    type = enum_field(ParticipantType, required=True)
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class VendorRefSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class AttachmentResponseSchema(ma.Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)
    is_image = fields.Boolean(required=True)
    download_url = fields.Function(
        attachment_download_url,
        required=True,
        metadata={"type": "string", "description": "Where this role downloads the file (relative URL)."},
    )


class MessageResponseSchema(ma.Schema):
    id = fields.Integer(required=True)
    conversation_id = fields.Integer(required=True)
    sender = fields.Nested(ParticipantSchema, required=True)
    content = fields.String(required=True)
    is_system_message = fields.Boolean(required=True)
    created_at = UtcDateTime(required=True)
    attachments = fields.List(fields.Nested(AttachmentResponseSchema), required=True)


class ConversationSummarySchema(ma.Schema):
    id = fields.Integer(required=True)
    conversation_type = enum_field(ConversationType, required=True)
    subject = fields.String(required=True)
    status = enum_field(ConversationStatus, required=True)
    vendor = fields.Nested(VendorRefSchema, allow_none=True, required=True)
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)
    last_message_preview = fields.String(required=True)
    last_message_at = UtcDateTime(required=True)
    message_count = fields.Integer(required=True)
    unread_count = fields.Integer(required=True)
    created_at = UtcDateTime(required=True)


class ConversationDetailResponseSchema(ConversationSummarySchema):
    messages = fields.List(
        fields.Nested(MessageResponseSchema), required=True, metadata={"description": "Oldest first."}
    )
    has_more_messages = fields.Boolean(
        required=True, metadata={"description": "Older messages exist: ask again with ?before=<oldest id>."}
    )
    email_notifications = fields.Boolean(required=True)
    can_reply = fields.Boolean(required=True)
    can_close = fields.Boolean(required=True)


class ConversationListResponseSchema(ma.Schema):
    items = fields.List(fields.Nested(ConversationSummarySchema), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)


class UnreadCountResponseSchema(ma.Schema):
    total_unread = fields.Integer(required=True)


class RecipientSchema(ma.Schema):
    type = enum_field(ParticipantType, required=True)
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    vendor = fields.Nested(VendorRefSchema, allow_none=True, required=True)


class RecipientsSchema(ma.Schema):
    items = fields.List(fields.Nested(RecipientSchema), required=True)


class ReadReceiptSchema(ma.Schema):
    conversation_id = fields.Integer(required=True)
    unread_count = fields.Integer(required=True, metadata={"description": "Always 0 after marking read."})
    total_unread = fields.Integer(required=True, metadata={"description": "The caller's new badge count."})


class PreferencesSchema(StrictSchema):
    email_notifications = fields.Boolean(required=True)


class PreferencesResponseSchema(ma.Schema):
    conversation_id = fields.Integer(required=True)
    email_notifications = fields.Boolean(required=True)


class TokenResponseSchema(ma.Schema):
    token = fields.String(required=True)
    expires_at = UtcDateTime(required=True)
    principal = fields.Nested(ParticipantSchema, required=True)


class ErrorBodySchema(ma.Schema):
    code = fields.String(required=True, metadata={"description": "Stable, machine-readable reason."})
    message = fields.String(required=True)
    # "fields" would shadow marshmallow's own Schema.fields, hence the data_key.
    field_errors = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.String(),
        metadata={"description": "Which input was wrong, and why (only for input errors)."},
    )


class ErrorEnvelopeSchema(ma.Schema):
    error = fields.Nested(ErrorBodySchema, required=True)


# ------------------------------------------------------------------ requests


class TokenRequestSchema(StrictSchema):
    email = fields.String(required=True, validate=validate.Length(min=1, max=255))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))
    vendor_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=64),
        metadata={"description": "The shop: required for customers and for staff of several vendors."},
    )
    account_type = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(["staff", "customer"]),
        metadata={"description": "Settles an email that is both a staff and a customer account. "
                                 "Without it staff is tried first, then the named shop's customers."},
    )


class ConversationListArgsSchema(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))
    status = enum_field(ConversationStatus, load_default=None)
    conversation_type = enum_field(ConversationType, load_default=None)
    # Loaded under ListFilters' own names, so the view hands them over as they are.
    unread_only = fields.Boolean(
        data_key="unread", load_default=False, metadata={"description": "Only conversations with unread messages."}
    )
    search = TrimmedString(
        data_key="q", load_default="", validate=validate.Length(max=SEARCH_MAX_LENGTH),
        metadata={"description": "Matches the subject and participant names."},
    )


class ConversationDetailArgsSchema(ma.Schema):
    before = fields.Integer(
        load_default=None, validate=ID_RANGE,
        metadata={"description": "Page back: the 100 messages older than this message id."},
    )


class RecipientArgsSchema(ma.Schema):
    type = enum_field(ParticipantType, required=True)
    q = TrimmedString(load_default="", validate=validate.Length(max=SEARCH_MAX_LENGTH))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_RECIPIENT_LIMIT))


class ConversationCreateSchema(StrictSchema):
    conversation_type = enum_field(ConversationType, required=True)
    subject = TrimmedString(required=True, validate=validate.Length(min=1, max=SUBJECT_MAX_LENGTH))
    recipient_type = enum_field(ParticipantType, required=True)
    recipient_id = fields.Integer(required=True, strict=True, validate=ID_RANGE)
    vendor_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE)
    initial_message = TrimmedString(required=True, validate=validate.Length(min=1, max=CONTENT_MAX_LENGTH))


class SendMessageJsonSchema(StrictSchema):
    content = TrimmedString(required=True, validate=validate.Length(max=CONTENT_MAX_LENGTH))


class SendMessageFormSchema(ma.Schema):
    """Documents the multipart form; the view reads it directly from the request."""

    content = fields.String(validate=validate.Length(max=CONTENT_MAX_LENGTH))
    attachments = fields.List(
        fields.Raw(metadata={"type": "string", "format": "binary"}),
        metadata={"description": "Up to 5 files; the type is decided from the bytes."},
    )


class DownloadArgsSchema(ma.Schema):
    inline = fields.Boolean(
        load_default=False,
        metadata={"description": "Serve a raster image inline (for previews); other files are always attachments."},
    )
