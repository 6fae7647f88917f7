"""The customer's account dashboard (/shop/account) with its Messages card."""
from flask import Blueprint, g, render_template

from messaging.roles import CUSTOMER
from messaging.web.access import require_role
from messaging.web.htmx import vary_on_htmx

blueprint = Blueprint("shop_account", __name__, url_prefix="/shop/account")
blueprint.before_request(require_role(CUSTOMER))
blueprint.after_request(vary_on_htmx)


@blueprint.get("")
def dashboard():
    return render_template("shop/account.html", role=CUSTOMER, pages=CUSTOMER.pages, account=g.principal)
