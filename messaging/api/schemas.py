"""Request and response shapes of the JSON API, named as in the specification (decisions §5).

These marshmallow schemas both validate requests and produce the OpenAPI document,
so the document describes what the endpoints really accept and answer.
"""
import marshmallow as ma
from marshmallow import fields, validate

from messaging.api.download_urls import attachment_download_url
from messaging.clock import isoformat_utc
from messaging.models import ConversationStatus, ConversationType, ParticipantType
from messaging.models.conversation import (
    CONTEXT_LABEL_MAX_LENGTH,
    CONTEXT_REF_MAX_LENGTH,
    ESCALATION_REASON_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
)
from messaging.schema_fields import TrimmedString, enum_field
from messaging.services.conversations.context import CONTEXT_TYPES
from messaging.services.conversations.validation import (
    CONTENT_MAX_LENGTH,
    MAX_RECIPIENT_LIMIT,
    SEARCH_MAX_LENGTH,
)

# Ids are 32-bit in the database; anything outside is refused before it reaches SQL.
ID_RANGE = validate.Range(min=1, max=2**31 - 1)


class UtcDateTime(fields.DateTime):
    """ISO 8601 in UTC with a ``Z``: the stored datetimes are naive UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        return isoformat_utc(value)


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


class ConversationContextSchema(ma.Schema):
    type = fields.String(required=True, validate=validate.OneOf(CONTEXT_TYPES), metadata={"enum": list(CONTEXT_TYPES)})
    ref = fields.String(required=True, metadata={"description": "The host marketplace's order number or SKU."})
    label = fields.String(required=True)
    url = fields.String(
        required=True, allow_none=True,
        metadata={"description": "Link to it on the host marketplace; null when no URL template is configured."},
    )


class EscalationSchema(ma.Schema):
    escalated_by = fields.Nested(ParticipantSchema, required=True)
    escalated_at = UtcDateTime(required=True)
    reason = fields.String(required=True)
    resolved_by = fields.Nested(ParticipantSchema, required=True, allow_none=True)
    resolved_at = UtcDateTime(required=True, allow_none=True)


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
    context = fields.Nested(
        ConversationContextSchema, required=True, allow_none=True,
        metadata={"description": "The order or product it is about, if any."},
    )
    is_escalated = fields.Boolean(
        required=True, metadata={"description": "The marketplace was asked to step in and has not resolved it yet."}
    )
    escalation = fields.Nested(
        EscalationSchema, required=True, allow_none=True,
        metadata={"description": "The latest escalation, resolved or not; null if it never was escalated."},
    )


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
    can_escalate = fields.Boolean(required=True)
    can_resolve = fields.Boolean(required=True)


class ConversationListResponseSchema(ma.Schema):
    items = fields.List(fields.Nested(ConversationSummarySchema), required=True)
    total = fields.Integer(required=True, metadata={"description": (
        "Conversations matching, counted up to 1,000 (or five pages past this one, if further): "
        "a lower bound when total_is_exact is false.")})
    total_is_exact = fields.Boolean(required=True, metadata={"description": (
        "False when more conversations match than were counted; pages then counts only those.")})
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


class ConversationDetailArgsSchema(ma.Schema):
    before = fields.Integer(
        load_default=None, validate=ID_RANGE,
        metadata={"description": "Page back: the 100 messages older than this message id."},
    )


class RecipientArgsSchema(ma.Schema):
    type = enum_field(ParticipantType, required=True)
    q = TrimmedString(load_default="", validate=validate.Length(max=SEARCH_MAX_LENGTH))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_RECIPIENT_LIMIT))


STAFF_ONLY = "Required for admins and vendor staff; customers write to their own shop and leave it out."


class ConversationCreateSchema(StrictSchema):
    conversation_type = enum_field(ConversationType, load_default=None, metadata={"description": STAFF_ONLY})
    subject = TrimmedString(required=True, validate=validate.Length(min=1, max=SUBJECT_MAX_LENGTH))
    recipient_type = enum_field(ParticipantType, load_default=None, metadata={"description": STAFF_ONLY})
    recipient_id = fields.Integer(load_default=None, strict=True, validate=ID_RANGE, metadata={"description": STAFF_ONLY})
    vendor_id = fields.Integer(load_default=None, allow_none=True, strict=True, validate=ID_RANGE)
    initial_message = TrimmedString(required=True, validate=validate.Length(min=1, max=CONTENT_MAX_LENGTH))
    context_type = fields.String(
        load_default=None, validate=validate.OneOf(CONTEXT_TYPES),
        metadata={"description": "What it is about on the host marketplace: an order or a product."},
    )
    context_ref = fields.String(load_default=None, validate=validate.Length(min=1, max=CONTEXT_REF_MAX_LENGTH))
    context_label = fields.String(load_default=None, validate=validate.Length(max=CONTEXT_LABEL_MAX_LENGTH))


class EscalateSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=ESCALATION_REASON_MAX_LENGTH))


class MessagingSettingsSchema(ma.Schema):
    attachment_max_size_mb = fields.Integer(required=True, validate=validate.Range(min=1, max=100))
    customers_can_start = fields.Boolean(required=True)


class MessagingSettingsUpdateSchema(StrictSchema):
    attachment_max_size_mb = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1, max=100))
    customers_can_start = fields.Boolean(load_default=None)


class SettingChangeSchema(ma.Schema):
    key = fields.String(required=True)
    old_value = fields.String(required=True, allow_none=True)
    new_value = fields.String(required=True)
    changed_by = fields.String(required=True)
    changed_at = UtcDateTime(required=True)


class MessagingSettingsResponseSchema(MessagingSettingsSchema):
    changes = fields.List(fields.Nested(SettingChangeSchema), required=True,
                          metadata={"description": "The latest changes, newest first."})


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
