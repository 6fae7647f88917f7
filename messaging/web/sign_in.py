"""Sign-in and sign-out pages for staff (/login) and customers (/shop/login), and the vendor switcher."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, session, url_for

from messaging.auth import session_principal, sign_in, sign_out
from messaging.models import ParticipantType
from messaging.services.accounts import (
    AuthenticationFailed,
    VendorChoiceRequired,
    active_vendors_of,
    authenticate_customer,
    authenticate_staff,
)
from messaging.services.acting_vendor import act_for_vendor, active_shops, staff_user_id
from messaging.web.roles import PAGES_BY_ROLE

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
def staff_login():
    form = {"email": request.form.get("email", "").strip()}
    if request.method == "GET":
        return render_template("sign_in/staff_login.html", form=form, next_url=_next_url())
    try:
        signed_in = authenticate_staff(form["email"], request.form.get("password", ""))
    except VendorChoiceRequired as choice:
        session[PENDING_VENDOR_CHOICE_KEY] = {"user_id": staff_user_id(form["email"]), "next": _next_url()}
        return render_template("sign_in/choose_vendor.html", vendors=choice.vendors)
    except AuthenticationFailed as refusal:
        return render_template("sign_in/staff_login.html", form=form, error=refusal.message, next_url=_next_url()), 401
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
def shop_login():
    shops = active_shops()
    form = {
        "email": request.form.get("email", "").strip(),
        "vendor_code": request.values.get("shop", request.form.get("vendor_code", "")),
    }
    if request.method == "GET":
        return render_template("sign_in/shop_login.html", form=form, shops=shops, next_url=_next_url())
    try:
        signed_in = authenticate_customer(form["email"], request.form.get("password", ""), form["vendor_code"])
    except AuthenticationFailed as refusal:
        return (
            render_template("sign_in/shop_login.html", form=form, shops=shops, error=refusal.message,
                            next_url=_next_url()),
            401,
        )
    sign_in(signed_in)
    return redirect(_next_url() or url_for("shop_account.dashboard"))


@blueprint.post("/logout")
def logout():
    principal = session_principal()
    sign_out()
    if principal is not None and principal.type == ParticipantType.CUSTOMER:
        return redirect(url_for(".shop_login"))
    return redirect(url_for(".staff_login"))


def vendors_to_switch_to(principal, account) -> list:
    """The vendors a vendor user could act for instead (for the header switcher)."""
    if principal is None or principal.type != ParticipantType.VENDOR:
        return []
    vendors = active_vendors_of(account)
    return vendors if len(vendors) > 1 else []


def _home_of(role: ParticipantType) -> str:
    if role == ParticipantType.CUSTOMER:
        return url_for("shop_account.dashboard")
    return PAGES_BY_ROLE[role].url("inbox")


def _next_url() -> str | None:
    """Only a path on this site, so the sign-in form cannot redirect elsewhere."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc:
        return None
    return target
