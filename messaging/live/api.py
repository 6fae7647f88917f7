"""``GET /api/v1/{admin,vendor,shop}/messages/events``: the pages' events for API clients.

The same stream as the pages (:mod:`messaging.live.stream`), authenticated like every API call
(a bearer token, or the browser session); the credential is re-checked every
``LIVE_RECHECK_SECONDS``, so an expired token or a deactivated account stops receiving.
"""
from flask import request
from flask_smorest import Api, Blueprint
from marshmallow import Schema, fields, validate

from messaging.api.authentication import api_tokens, authenticate_request
from messaging.api.errors import register_error_handlers
from messaging.live.events import NAMES, RESYNC
from messaging.live.pages import session_recheck
from messaging.live.stream import ENDED, READY, event_stream, last_event_id
from messaging.roles import ROLES

blp = Blueprint(
    "api_live_events",
    __name__,
    description="Live events: Server-Sent Events of the conversations the caller may see.",
)
register_error_handlers(blp)

STREAM_DESCRIPTION = (
    "A `text/event-stream` that stays open. Each event has an `id` (ordered; send it back as "
    "`Last-Event-ID`, or as `after`, to be replayed what you missed), a name and a JSON `data`:\n\n"
    f"- `{NAMES[0]}`, `{NAMES[1]}`: `{{\"conversation_id\", \"message_id\"}}`;\n"
    f"- `{NAMES[2]}`: `{{\"conversation_id\", \"status\"}}`;\n"
    f"- `{NAMES[3]}`: `{{\"conversation_id\"}}`, only to the reader's own streams;\n"
    f"- `{READY}` (no id): replay done, events are live from here;\n"
    f"- `{RESYNC}`: more was missed than a replay sends; fetch your lists again;\n"
    f"- `{ENDED}`: the credential no longer holds; do not reconnect with it.\n\n"
    "Comment lines (`: heartbeat`) keep idle connections open. Only events of conversations "
    "the caller may see are sent, by the same rules as every other endpoint."
)


class EventStreamArgsSchema(Schema):
    after = fields.Integer(
        validate=validate.Range(min=0),
        metadata={"description": "Replay events after this id (as the `Last-Event-ID` header does)."},
    )


@blp.route("/events", methods=["GET"])
@blp.arguments(EventStreamArgsSchema, location="query")
@blp.doc(
    summary="Live events (Server-Sent Events)",
    description=STREAM_DESCRIPTION,
    parameters=[{
        "in": "header", "name": "Last-Event-ID", "required": False, "schema": {"type": "string"},
        "description": "The id of the last event received; what came after it is replayed first.",
    }],
    responses={"200": {
        "description": "The event stream.",
        # One event of the stream (OpenAPI 3.0 has no stream type; each event has this shape).
        "content": {"text/event-stream": {"schema": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "Ordered event id (absent on `ready`)."},
                "event": {"type": "string", "enum": [*NAMES, READY, RESYNC, ENDED]},
                "data": {"type": "string", "description": "JSON, e.g. {\"conversation_id\": 12, \"message_id\": 40}"},
                "retry": {"type": "integer"},
            },
        }}},
    }},
)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def events(args, role):
    principal = authenticate_request(role)
    header = request.headers.get("Authorization", "")
    token = header.partition(" ")[2].strip() if header else None

    if token:
        def still_allowed() -> bool:
            return api_tokens().principal_for(token) == principal
    else:
        still_allowed = session_recheck(principal)
    return event_stream(principal, still_allowed, last_event_id(args.get("after")))


def register_event_streams(api: Api, prefix: str) -> None:
    for role in ROLES:
        api.register_blueprint(
            blp,
            name=f"api_{role.surface}_live_events",
            url_prefix=f"{prefix}/{role.surface}/messages",
            url_defaults={"role": role.surface},
        )
