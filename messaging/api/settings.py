"""The admins' messaging settings over the API: ``GET``/``PUT /api/v1/admin/settings/messaging``."""
from flask_smorest import Blueprint

from messaging.api.authentication import authenticate_request, current_principal
from messaging.api.errors import register_error_handlers
from messaging.api.schemas import MessagingSettingsResponseSchema, MessagingSettingsUpdateSchema
from messaging.roles import ADMIN
from messaging.services import messaging_settings

blp = Blueprint("api_admin_settings", __name__, description="Platform settings of messaging (admins).")
register_error_handlers(blp)


@blp.before_request
def authenticate():
    authenticate_request(ADMIN.surface)


def _answer() -> dict:
    current = messaging_settings.current_settings()
    return {
        "attachment_max_size_mb": current.attachment_max_size_mb,
        "customers_can_start": current.customers_can_start,
        "changes": messaging_settings.recent_changes(),
    }


@blp.route("/messaging", methods=["GET"])
@blp.response(200, MessagingSettingsResponseSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
def get_messaging_settings():
    """The attachment size limit, whether customers may start conversations, and the latest changes."""
    return _answer()


@blp.route("/messaging", methods=["PUT"])
@blp.arguments(MessagingSettingsUpdateSchema)
@blp.response(200, MessagingSettingsResponseSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def put_messaging_settings(payload):
    """Change either or both settings; applied to the next request, and recorded with who and when."""
    messaging_settings.update_settings(current_principal(), **payload)
    return _answer()
