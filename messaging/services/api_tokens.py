"""Bearer tokens of the JSON API: signed, time-limited, and re-checked on every use.

A token names the principal (role, account, acting vendor) and the account's session
version when it was issued; the account is looked up again each time, so deactivating
it, removing a vendor membership, or moving its session version on (sign-out,
``POST /api/v1/auth/revoke``, a new password) ends every token it holds without a
revocation list.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import URLSafeTimedSerializer

from messaging.clock import utcnow
from messaging.identity import Principal
from messaging.remembered_signatures import RememberedSignatures, verified_payload
from messaging.services import accounts
from messaging.services.accounts import SignedIn, restore_session_principal
from messaging.services.session_versions import load_account

TOKEN_SALT = "messaging.api-token.v1"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class ApiTokens:
    def __init__(self, secret_key: str, max_age_seconds: int):
        self._serializer = URLSafeTimedSerializer(secret_key, salt=TOKEN_SALT)
        self.max_age_seconds = max_age_seconds
        # A client sends the same token with every call: its signature is checked once.
        self._verified = RememberedSignatures(lambda token: verified_payload(self._serializer, token))

    def issue(self, principal: Principal, session_version: int | None = None) -> IssuedToken:
        if session_version is None:
            account = load_account(principal.type, principal.id)
            session_version = account.session_version if account is not None else 0
        payload = {"type": principal.type.value, "id": principal.id, "vendor_id": principal.vendor_id,
                   "session_version": session_version}
        token = self._serializer.dumps(payload)
        # itsdangerous stamps whole seconds; round the same way so expires_at is never late.
        issued_at = utcnow().replace(microsecond=0)
        return IssuedToken(token=token, expires_at=issued_at + timedelta(seconds=self.max_age_seconds))

    def principal_for(self, token: str) -> Principal | None:
        """The principal a token stands for, or None when it is forged, expired or no longer valid."""
        claims = self.claims_of(token)
        return restore_session_principal(*claims) if claims else None

    def claims_of(self, token: str) -> tuple[str, int, int | None, object] | None:
        """What a genuine, unexpired token claims, to be checked against the account
        (:func:`~messaging.services.accounts.restore_session_principal`): role, account id,
        acting vendor and session version. None for a forged or expired one."""
        payload = self._verified.carried(token, self.max_age_seconds)
        if not isinstance(payload, dict):
            return None
        principal_type, account_id, vendor_id = payload.get("type"), payload.get("id"), payload.get("vendor_id")
        if not isinstance(principal_type, str) or not isinstance(account_id, int):
            return None
        if vendor_id is not None and not isinstance(vendor_id, int):
            return None
        return principal_type, account_id, vendor_id, payload.get("session_version")


def authenticate(email: str, password: str, vendor_code: str | None, account_type: str | None = None) -> SignedIn:
    """Sign in staff or a customer with one form, as the token endpoint takes it.

    Staff and customers are separate account tables and an email may exist in both
    (a shop's employee who also buys there). ``account_type`` settles it; without it
    staff are tried first, then, when a shop is named, that shop's customers.
    """
    if account_type == "customer":
        return accounts.authenticate_customer(email, password, vendor_code or "")
    if account_type == "staff" or not vendor_code:
        return accounts.authenticate_staff(email, password, vendor_code)
    try:
        return accounts.authenticate_staff(email, password, vendor_code)
    except accounts.AuthenticationFailed:
        return accounts.authenticate_customer(email, password, vendor_code)
