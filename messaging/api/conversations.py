"""The messages endpoints, one set of views for the admin, vendor and shop surfaces.

Each view authenticates the caller for its surface, hands the request to
MessagingService and renders the answer; who may see or do what is decided by the
service's role policy (decisions §2), never here. A role without a capability (a
customer creating or closing, say) gets the service's own refusal.
"""
import json
from http import HTTPStatus

from flask import request, url_for
from flask_smorest import Blueprint

from messaging import request_unread_total
from messaging.api.authentication import authenticate_request, current_principal
from messaging.api.errors import register_error_handlers
from messaging.api.idempotent import IDEMPOTENCY_HEADER, respond_idempotently
from messaging.api.path_ids import CONVERTER_NAME, check_path_ids
from messaging.api.schemas import (
    ConversationCreateSchema,
    ConversationDetailArgsSchema,
    ConversationDetailResponseSchema,
    ConversationListResponseSchema,
    DownloadArgsSchema,
    EscalateSchema,
    MessageResponseSchema,
    PreferencesResponseSchema,
    PreferencesSchema,
    ReadReceiptSchema,
    RecipientArgsSchema,
    RecipientsSchema,
    SendMessageFormSchema,
    SendMessageJsonSchema,
    UnreadCountResponseSchema,
)
from messaging.attachment_responses import attachment_response
from messaging.http_errors import UnsupportedMediaType
from messaging.list_arguments import ConversationListArgsSchema
from messaging.send_limits import spend_send_budget  # hardening (issue 8)
from messaging.services import messaging_service
from messaging.services.conversations import ListFilters
from messaging.services.idempotency import RecordedResponse
from messaging.unit_of_work import committing_at_once

blp = Blueprint(
    "api_messages",
    __name__,
    description="Conversations: list, read, create, reply, close; attachments and preferences.",
)
register_error_handlers(blp)

CONVERSATION = f"/<{CONVERTER_NAME}:conversation_id>"

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    "description": "Retrying with the same key returns the first answer and stores nothing new "
                   "(remembered for 24 hours; the same key with a different request is refused).",
}


def errors(*statuses):
    """Document the error envelope for each status a view can answer."""

    def decorate(view):
        for status in statuses:
            view = blp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorate


@blp.before_request
def authenticate():
    authenticate_request(request.view_args["role"])
    check_path_ids()


# ------------------------------------------------------------------ collection


@blp.route("", methods=["GET"])
@blp.arguments(ConversationListArgsSchema, location="query")
@blp.response(200, ConversationListResponseSchema)
@errors(401)
def list_conversations(args, role):
    """List the caller's conversations, newest activity first."""
    return messaging_service().list_conversations(current_principal(), ListFilters(**args))


@blp.route("", methods=["POST"])
@blp.arguments(ConversationCreateSchema)
@blp.response(201, ConversationDetailResponseSchema)
@blp.doc(parameters=[IDEMPOTENCY_PARAMETER])
@errors(400, 401, 403, 409, 413, 415, 422, 429)
def create_conversation(payload, role):
    """Start a conversation with its first message.

    Admins and vendor staff name the recipient; customers write to their own shop while the
    platform allows it (403 otherwise), at most a configured number a day (429 beyond).
    """
    principal = current_principal()

    def produce() -> RecordedResponse:
        spend_send_budget(principal)
        detail = messaging_service().create_conversation(principal, **payload)
        return RecordedResponse(201, json.dumps(ConversationDetailResponseSchema().dump(detail)))

    response = respond_idempotently(principal, produce)
    if response.status_code == 201:
        created_id = json.loads(response.get_data())["id"]
        response.headers["Location"] = url_for(f"{request.blueprint}.get_conversation", conversation_id=created_id)
    return response


@blp.route("/unread-count", methods=["GET"])
@blp.response(200, UnreadCountResponseSchema)
@errors(401)
@request_unread_total.shows_unread_total
def unread_count(role):
    """The header badge: unread messages over the caller's conversations."""
    return {"total_unread": request_unread_total.unread_total(current_principal())}


@blp.route("/recipients", methods=["GET"])
@blp.arguments(RecipientArgsSchema, location="query")
@blp.response(200, RecipientsSchema)
@errors(401, 403)
def recipients(args, role):
    """Who the caller may start a conversation with."""
    found = messaging_service().list_recipients(current_principal(), args["type"], args["q"], args["limit"])
    return {"items": found}


# ------------------------------------------------------------------ one conversation


@blp.route(CONVERSATION, methods=["GET"])
@blp.arguments(ConversationDetailArgsSchema, location="query")
@blp.response(200, ConversationDetailResponseSchema)
@errors(401, 404)
def get_conversation(args, conversation_id, role):
    """The thread: its latest 100 messages, oldest first; ?before=<id> pages back."""
    return messaging_service().get_conversation(
        current_principal(), conversation_id, before_message_id=args["before"]
    )


@blp.route(f"{CONVERSATION}/messages", methods=["POST"])
@blp.doc(
    parameters=[IDEMPOTENCY_PARAMETER],
    requestBody={
        "required": True,
        "content": {
            "application/json": {"schema": SendMessageJsonSchema},
            "multipart/form-data": {"schema": SendMessageFormSchema},
        },
    },
)
@blp.response(201, MessageResponseSchema)
@errors(400, 401, 404, 409, 413, 415, 422, 429)
def send_message(conversation_id, role):
    """Reply: JSON ``{"content"}`` or multipart with ``content`` and files in ``attachments``."""
    principal = current_principal()
    content, uploads = _message_input()

    def produce() -> RecordedResponse:
        spend_send_budget(principal)
        # The request's only write, committed next (with an Idempotency-Key, with its record).
        with committing_at_once():
            item = messaging_service().send_message(principal, conversation_id, content, uploads)
        return RecordedResponse(201, json.dumps(_SENT_MESSAGE.dump(item)))

    return respond_idempotently(principal, produce)


# One instance of each for every send: a schema instance copies its fields (and its nested
# schemas' fields) when it is made, which cost more than the work it was made for.
_SEND_MESSAGE_JSON = SendMessageJsonSchema()
_SENT_MESSAGE = MessageResponseSchema()


def _message_input():
    if request.mimetype == "multipart/form-data":
        content = request.form.get("content", "")
        return content, request.files.getlist("attachments")
    if request.is_json:
        payload = blp.ARGUMENTS_PARSER.parse(_SEND_MESSAGE_JSON, request, location="json")
        return payload["content"], []
    raise UnsupportedMediaType("Send application/json or multipart/form-data.")


@blp.route(f"{CONVERSATION}/close", methods=["POST"])
@blp.response(200, ConversationDetailResponseSchema)
@errors(400, 401, 403, 404, 422)
def close_conversation(conversation_id, role):
    """Close the thread: no more messages until it is reopened (admins and vendor staff)."""
    return messaging_service().close_conversation(current_principal(), conversation_id)


@blp.route(f"{CONVERSATION}/reopen", methods=["POST"])
@blp.response(200, ConversationDetailResponseSchema)
@errors(400, 401, 403, 404, 422)
def reopen_conversation(conversation_id, role):
    """Reopen a closed thread (admins and vendor staff)."""
    return messaging_service().reopen_conversation(current_principal(), conversation_id)


@blp.route(f"{CONVERSATION}/escalate", methods=["POST"])
@blp.arguments(EscalateSchema)
@blp.response(200, ConversationDetailResponseSchema)
@errors(400, 401, 403, 404, 409, 422)
def escalate_conversation(payload, conversation_id, role):
    """Ask the marketplace to step in (the customer or the shop's staff, in an open shop–customer conversation)."""
    return messaging_service().escalate(current_principal(), conversation_id, payload["reason"])


@blp.route(f"{CONVERSATION}/resolve", methods=["POST"])
@blp.response(200, ConversationDetailResponseSchema)
@errors(400, 401, 403, 404, 422)
def resolve_conversation(conversation_id, role):
    """Mark an escalation resolved (admins); the conversation leaves the Escalated filter."""
    return messaging_service().resolve(current_principal(), conversation_id)


@blp.route(f"{CONVERSATION}/read", methods=["PUT"])
@blp.response(200, ReadReceiptSchema)
@errors(400, 401, 404, 422)
def mark_read(conversation_id, role):
    """Mark every message of the thread read for the caller."""
    service = messaging_service()
    principal = current_principal()
    service.mark_conversation_read(principal, conversation_id)
    return {
        "conversation_id": conversation_id,
        "unread_count": 0,
        "total_unread": service.get_unread_count(principal),
    }


@blp.route(f"{CONVERSATION}/preferences", methods=["PUT"])
@blp.arguments(PreferencesSchema)
@blp.response(200, PreferencesResponseSchema)
@errors(400, 401, 404)
def update_preferences(payload, conversation_id, role):
    """Turn e-mail notifications for this thread on or off, for the caller only."""
    enabled = messaging_service().update_preferences(
        current_principal(), conversation_id, email_notifications=payload["email_notifications"]
    )
    return {"conversation_id": conversation_id, "email_notifications": enabled}


@blp.route(f"{CONVERSATION}/attachments/<{CONVERTER_NAME}:attachment_id>", methods=["GET"])
@blp.arguments(DownloadArgsSchema, location="query")
@blp.alt_response(
    200,
    success=True,
    description="The file's exact bytes, as an attachment under its original name.",
    content_type="*/*",
    schema={"type": "string", "format": "binary"},
)
@errors(401, 404)
def download_attachment(args, conversation_id, attachment_id, role):
    """Download an attachment (every role); raster images may be asked inline for previews."""
    download = messaging_service().get_attachment(current_principal(), conversation_id, attachment_id)
    return attachment_response(download, inline_requested=args["inline"])
