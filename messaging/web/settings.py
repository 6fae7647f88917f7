"""The admins' messaging settings page (/admin/settings/messaging), applied at once and recorded."""
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from messaging.http_errors import status_of
from messaging.roles import ADMIN
from messaging.services import messaging_settings
from messaging.services.errors import InvalidInput
from messaging.web import htmx
from messaging.web.access import require_role
from messaging.web.forms import FormState

blueprint = Blueprint("admin_settings", __name__, url_prefix="/admin/settings")
blueprint.before_request(require_role(ADMIN))
blueprint.after_request(htmx.vary_on_htmx)


@blueprint.route("/messaging", methods=["GET", "POST"])
def messaging():
    current = messaging_settings.current_settings()
    form = FormState(values={"attachment_max_size_mb": str(current.attachment_max_size_mb),
                             "customers_can_start": current.customers_can_start})
    status = 200
    if request.method == "POST":
        values = {"attachment_max_size_mb": request.form.get("attachment_max_size_mb", ""),
                  "customers_can_start": request.form.get("customers_can_start") == "on"}
        try:
            messaging_settings.update_settings(g.principal, **values)
        except InvalidInput as refusal:
            form, status = FormState.refused(values, refusal), status_of(refusal)
        else:
            if not htmx.wants_fragment():
                flash("Messaging settings saved.", "success")
                return redirect(url_for("admin_settings.messaging"))
            form = FormState(values=values)
    template = "admin/_messaging_settings.html" if htmx.wants_fragment() else "admin/messaging_settings.html"
    saved = request.method == "POST" and status == 200
    return render_template(template, role=ADMIN, pages=ADMIN.pages, form=form, saved=saved,
                           changes=messaging_settings.recent_changes()), status
