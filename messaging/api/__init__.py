"""JSON API v1: token sign-in, the messages endpoints of the three roles, the OpenAPI document.

flask-smorest (marshmallow + apispec) validates requests and writes the OpenAPI 3
document at /api/v1/openapi.json from the same schemas the views use.
"""
from flask import Flask
from flask_smorest import Api

from messaging.api import conversations, settings, tokens
from messaging.api.errors import install_routing_errors
from messaging.api.links import add_links
from messaging.api.maintenance import idempotency_group
from messaging.api.path_ids import CONVERTER_NAME, ApiIdConverter, api_id_param_schema
from messaging.api.paths import API_PREFIX, messages_prefix
from messaging.api.schemas import ErrorEnvelopeSchema
from messaging.extensions import csrf
from messaging.live.api import register_event_streams  # issue 10: live delivery
from messaging.roles import ROLES

OPENAPI_CONFIG = {
    "API_TITLE": "Marketplace messaging",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {
            "description": "Threaded conversations between platform admins, vendor staff and customers. "
                           "Authenticate with POST /api/v1/auth/token, then send Authorization: Bearer <token>. "
                           "Out-of-scope conversations answer 404, exactly like missing ones. "
                           "A credential of another role on a surface answers 401 wrong_role.",
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
            }
        },
        "security": [{"bearerAuth": []}],
    },
}


class MessagingApi(Api):
    """flask-smorest's Api with the project's error envelope, and no app-wide error handler.

    flask-smorest would install a JSON handler for every HTTPException of the whole
    app, HTML pages included; the API's handlers live on its own blueprints instead.
    """

    ERROR_SCHEMA = ErrorEnvelopeSchema
    # Every operation lists the statuses it really answers; no catch-all "default".
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass


def init_app(app: Flask) -> None:
    for key, value in OPENAPI_CONFIG.items():
        app.config.setdefault(key, value)
    app.url_map.converters[CONVERTER_NAME] = ApiIdConverter

    api = MessagingApi(app)
    api.register_converter(ApiIdConverter, api_id_param_schema)

    for blueprint in (conversations.blp, tokens.blp, settings.blp):
        # Bearer calls carry no cookie to forge; cookie calls are checked in authentication.py.
        csrf.exempt(blueprint)

    api.register_blueprint(tokens.blp, url_prefix=f"{API_PREFIX}/auth")
    for role in ROLES:
        # One set of views per role; the surface is a URL default, so each view knows where it was called.
        api.register_blueprint(
            conversations.blp,
            name=f"api_{role.surface}_messages",
            url_prefix=messages_prefix(role.surface),
            url_defaults={"role": role.surface},
        )
    add_links(api)
    api.register_blueprint(settings.blp, url_prefix=f"{API_PREFIX}/admin/settings")
    register_event_streams(api, API_PREFIX)
    install_routing_errors(app)
    app.cli.add_command(idempotency_group)
