"""The "Email settings" page of every role, registered for each role of :data:`messaging.roles.ROLES`."""
from flask import Blueprint, Flask, flash, g, redirect, render_template, request, url_for

from messaging.notifications.preferences import emails_about_new_conversations, set_emails_about_new_conversations
from messaging.roles import ROLES, RolePages
from messaging.web import htmx
from messaging.web.access import require_role

SETTINGS_PATH = "/email-settings"


def blueprint_name(pages: RolePages) -> str:
    return f"{pages.blueprint_name}_email_settings"


def register(app: Flask) -> None:
    for role in ROLES:
        pages = role.pages
        blueprint = Blueprint(blueprint_name(pages), __name__, url_prefix=pages.url_prefix + SETTINGS_PATH)
        blueprint.before_request(require_role(role))
        blueprint.after_request(htmx.vary_on_htmx)
        blueprint.add_url_rule("", "page", settings_page, methods=["GET", "POST"])
        app.register_blueprint(blueprint)
    app.add_template_global(settings_url, "email_settings_url")


def settings_url(pages: RolePages) -> str:
    return url_for(f"{blueprint_name(pages)}.page")


def settings_page():
    saved = False
    if request.method == "POST":
        enabled = set_emails_about_new_conversations(g.principal, request.form.get("email_new_conversations") == "on")
        if not htmx.wants_fragment():
            flash("Saved: " + ("you get emails about new conversations." if enabled
                               else "new conversations start with email off."), "success")
            return redirect(settings_url(g.pages))
        saved = True
    context = {
        "pages": g.pages,
        "email_new_conversations": emails_about_new_conversations(g.principal),
        "saved": saved,
    }
    if htmx.wants_fragment():
        return render_template("email_settings/_preferences_form.html", **context)
    return render_template("email_settings/page.html", **context)
