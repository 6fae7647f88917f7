"""Sign-in and sign-out pages for staff (/login) and customers (/shop/login), and the vendor switcher."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_limiter import RateLimitExceeded

from messaging.auth import session_principal, sign_in, sign_out
from messaging.models import ParticipantType
from messaging.roles import role_of
from messaging.services.accounts import (
    AuthenticationFailed,
    VendorChoiceRequired,
    active_vendors_of,
    authenticate_customer,
    authenticate_staff,
)
from messaging.services.acting_vendor import act_for_vendor, active_shops, staff_user_id
from messaging.sign_in_limits import (
    count_refused_attempt,
    limit_sign_in_attempts,
    refusal_message,
    seconds_until_retry,
)
from messaging.web.htmx import PAGE_ERROR, htmx_request, htmx_response, page_error, vary_on_htmx, wants_fragment

blueprint = Blueprint("sign_in", __name__)

# Set once the password was right, so the vendor choice needs no second password entry.
PENDING_VENDOR_CHOICE_KEY = "pending_vendor_choice"


@blueprint.get("/")
def root():
    principal = session_principal()
    if principal is None:
        return redirect(url_for(".staff_login"))
    return redirect(_home_of(principal.type))


@blueprint.route("/login", methods=["GET", "POST"])
@limit_sign_in_attempts
def staff_login():
    form = _staff_form()
    if request.method == "GET":
        return _staff_login_page(form)
    try:
        signed_in = authenticate_staff(form["email"], request.form.get("password", ""))
    except VendorChoiceRequired as choice:
        session[PENDING_VENDOR_CHOICE_KEY] = {"user_id": staff_user_id(form["email"]), "next": _next_url()}
        return render_template("sign_in/choose_vendor.html", vendors=choice.vendors)
    except AuthenticationFailed as refusal:
        count_refused_attempt()
        return _staff_login_page(form, error=refusal.message), 401
    sign_in(signed_in)
    return redirect(_next_url() or _home_of(signed_in.principal.type))


@blueprint.post("/login/vendor")
def choose_vendor():
    pending = session.get(PENDING_VENDOR_CHOICE_KEY)
    if not pending:
        return redirect(url_for(".staff_login"))
    try:
        signed_in = act_for_vendor(pending["user_id"], request.form.get("vendor_code", ""))
    except AuthenticationFailed as refusal:
        return render_template("sign_in/staff_login.html", form={}, error=refusal.message), 401
    session.pop(PENDING_VENDOR_CHOICE_KEY, None)
    sign_in(signed_in)
    return redirect(pending.get("next") or _home_of(ParticipantType.VENDOR))


@blueprint.post("/vendor/switch")
def switch_vendor():
    principal = session_principal()
    if principal is None or principal.type != ParticipantType.VENDOR:
        abort(403)
    try:
        signed_in = act_for_vendor(principal.id, request.form.get("vendor_code", ""))
    except AuthenticationFailed:
        abort(403)
    sign_in(signed_in)
    return redirect(_home_of(ParticipantType.VENDOR))


@blueprint.route("/shop/login", methods=["GET", "POST"])
@limit_sign_in_attempts
def shop_login():
    form = _shop_form()
    if request.method == "GET":
        return _shop_login_page(form)
    try:
        signed_in = authenticate_customer(form["email"], request.form.get("password", ""), form["vendor_code"])
    except AuthenticationFailed as refusal:
        count_refused_attempt()
        return _shop_login_page(form, error=refusal.message), 401
    sign_in(signed_in)
    return redirect(_next_url() or _home_of(signed_in.principal.type))


@blueprint.errorhandler(RateLimitExceeded)
def too_many_attempts(_exceeded: RateLimitExceeded):
    """The sign-in form again with what was typed, saying when to try again; no password was checked."""
    seconds = seconds_until_retry()
    message = refusal_message(seconds)
    if wants_fragment():
        # Like every refusal outside a form: no page inside a panel, the alert bar shows the message.
        response = page_error(429, message)
    else:
        page = (_shop_login_page(_shop_form(), error=message) if request.endpoint == "sign_in.shop_login"
                else _staff_login_page(_staff_form(), error=message))
        # htmx swaps no 429 (see htmx-config), so a boosted form shows the message in the alert bar too.
        response = htmx_response(page, 429, trigger={PAGE_ERROR: {"message": message}} if htmx_request else None)
    response.headers["Retry-After"] = str(seconds)
    return vary_on_htmx(response)


def _staff_form() -> dict:
    return {"email": request.form.get("email", "").strip()}


def _staff_login_page(form: dict, error: str | None = None) -> str:
    return render_template("sign_in/staff_login.html", form=form, error=error, next_url=_next_url())


def _shop_form() -> dict:
    return {
        "email": request.form.get("email", "").strip(),
        "vendor_code": request.values.get("shop", request.form.get("vendor_code", "")),
    }


def _shop_login_page(form: dict, error: str | None = None) -> str:
    return render_template("sign_in/shop_login.html", form=form, shops=active_shops(), error=error,
                           next_url=_next_url())


@blueprint.post("/logout")
def logout():
    principal = session_principal()
    sign_out()
    if principal is not None:
        return redirect(url_for(role_of(principal.type).pages.sign_in_endpoint))
    return redirect(url_for(".staff_login"))


@blueprint.post("/logout/everywhere")
def logout_everywhere():
    """Every session of the account ends (other browsers, copied cookies, API tokens), this one too."""
    principal = session_principal()
    sign_out()
    flash("You are signed out everywhere: every session and API token of your account has ended.", "success")
    if principal is not None:
        return redirect(url_for(role_of(principal.type).pages.sign_in_endpoint))
    return redirect(url_for(".staff_login"))


def vendors_to_switch_to(principal, account) -> list:
    """The vendors a vendor user could act for instead (for the header switcher)."""
    if principal is None or principal.type != ParticipantType.VENDOR:
        return []
    vendors = active_vendors_of(account)
    return vendors if len(vendors) > 1 else []


def _home_of(principal_type: ParticipantType) -> str:
    return url_for(role_of(principal_type).pages.home_endpoint)


def _next_url() -> str | None:
    """Only a path on this site, so the sign-in form cannot redirect elsewhere."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target
