"""Server-rendered pages that htmx enhances: sign-in, and the admin, vendor and shop message pages.

``init_app`` is called by the app factory when this package exists.
"""
from flask import Flask, current_app
from flask_login import current_user

from messaging.auth import session_principal
from messaging.roles import ROLES, role_of
from messaging.services import attachment_service, messaging_settings
from messaging.services.acting_vendor import vendor_name
from messaging.services.vendor_unread import unread_by_vendor
from messaging.web import bidi, htmx, humanize, inbox, settings, shop_account, sign_in
from messaging.web.conversation_rows import printed_rows
from messaging.web.counterparts import counterpart_name
from messaging.web.csrf_tokens import csrf_token
from messaging.web.error_pages import register_error_pages
from messaging.web.forms import recipient_value
from messaging.web.icons import icon
from messaging.web.message_body import message_body
from messaging.web.path_ids import CONVERTER_NAME, PageIdConverter
from messaging.web.search_results import highlight
from messaging.web.security_headers import register_security_headers
from messaging.web.static_files import register_static_caching
from messaging.web.thread_items import printed_message, thread_rows
from messaging.web.unread_badge import unread_total

HTMX_SCRIPT = "vendor/htmx-2.0.11.min.js"


def init_app(app: Flask) -> None:
    app.url_map.converters[CONVERTER_NAME] = PageIdConverter
    app.register_blueprint(sign_in.blueprint)
    for role in ROLES:
        app.register_blueprint(inbox.build_blueprint(role))
    app.register_blueprint(shop_account.blueprint)
    app.register_blueprint(settings.blueprint)
    register_error_pages(app)
    register_security_headers(app)
    bidi.init_app(app)
    register_static_caching(app)
    app.add_template_filter(message_body)
    app.add_template_filter(humanize.time_tag)
    app.add_template_filter(humanize.file_size)
    app.add_template_filter(humanize.file_kind)
    app.add_template_filter(recipient_value)
    app.add_template_global(thread_rows)
    app.add_template_global(printed_message)
    app.add_template_filter(highlight)
    app.add_template_global(counterpart_name)
    app.add_template_global(printed_rows)
    app.add_template_global(icon)
    app.context_processor(_layout_context)
    app.add_template_global(csrf_token)  # where a template sees no context (an imported macro)


def _layout_context() -> dict:
    """What every layout needs: who is signed in, and LAYOUT_HELPERS (below)."""
    principal = session_principal()
    return {
        "principal": principal,
        "role_pages": role_of(principal.type).pages if principal else None,
        "poll_seconds": current_app.config["POLL_INTERVAL_SECONDS"],
        **LAYOUT_HELPERS,
    }


def _switchable_vendors() -> list:
    return sign_in.vendors_to_switch_to(session_principal(), current_user)


def _unread_by_vendor(vendors) -> dict:
    return unread_by_vendor(session_principal(), [vendor.id for vendor in vendors])


def _shop_name() -> str:
    principal = session_principal()
    return vendor_name(principal.vendor_id if principal else None)


def _max_upload_text() -> str:
    return humanize.file_size(attachment_service().displayed_max_file_size_bytes())


def _max_upload_bytes() -> int:
    return attachment_service().displayed_max_file_size_bytes()


# Functions, so the badge count or the vendor list load only when a layout asks. Built once, not per
# render_template; and context values rather than Jinja globals, which every render copies more slowly.
LAYOUT_HELPERS = {
    "htmx_script": HTMX_SCRIPT,
    "events": htmx,
    "unread_total": unread_total,
    "switchable_vendors": _switchable_vendors,
    "unread_by_vendor": _unread_by_vendor,
    "shop_name": _shop_name,
    "max_upload_text": _max_upload_text,
    "max_upload_bytes": _max_upload_bytes,
    "customers_can_start": messaging_settings.customers_can_start,
    # Over Flask-WTF's own, which its context processor (run before this one) puts in every render.
    "csrf_token": csrf_token,
}
