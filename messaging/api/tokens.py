"""POST /api/v1/auth/token: trade an email and password for a bearer token."""
from flask_smorest import Blueprint

from messaging.api.authentication import api_tokens
from messaging.api.errors import register_error_handlers
from messaging.api.schemas import TokenRequestSchema, TokenResponseSchema
from messaging.services.api_tokens import authenticate

blp = Blueprint("api_auth", __name__, description="Sign in for a bearer token.")
register_error_handlers(blp)


@blp.route("/token", methods=["POST"])
@blp.arguments(TokenRequestSchema)
@blp.response(200, TokenResponseSchema)
@blp.alt_response(400, response="BAD_REQUEST")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(security=[])
def issue_token(credentials):
    """Sign in as staff (admins, vendor users) or as a shop's customer (``vendor_code`` names the shop).

    A vendor user of several vendors names the vendor to act for with ``vendor_code``
    (422 ``vendor_choice_required`` lists them otherwise). The token is sent as
    ``Authorization: Bearer <token>`` until ``expires_at``.
    """
    signed_in = authenticate(
        credentials["email"], credentials["password"], credentials["vendor_code"], credentials["account_type"]
    )
    issued = api_tokens().issue(signed_in.principal)
    principal = signed_in.principal
    return {
        "token": issued.token,
        "expires_at": issued.expires_at,
        "principal": {"type": principal.type, "id": principal.id, "name": principal.name},
    }
