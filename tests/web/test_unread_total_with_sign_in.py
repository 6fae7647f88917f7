"""The badge poll and the API's unread count read the total with the sign-in check, in one statement (issue 11).

What they show must be what the service counts for the principal the check gives back (the
role's scope, the vendor a staff member acts for), and a session or token that no longer stands
must still be refused.
"""
import re

import pytest
from sqlalchemy import delete

from messaging.extensions import db
from messaging.models import User, VendorUser
from messaging.services.session_versions import end_every_session_of
from tests.test_role_registry import build_every_channel
from tests.web.page_support import HTMX, ROLE_PREFIX, sign_in_customer, sign_in_staff, text_of


def polled_badge(client, role: str) -> int:
    response = client.get(f"{ROLE_PREFIX[role]}/unread-badge", headers=HTMX)
    assert response.status_code == 200, response.status_code
    return int(re.search(r'data-count="(\d+)"', text_of(response)).group(1))


def test_the_api_count_is_the_services_for_every_principal_in_one_statement(service, marketplace, caller,
                                                                              count_queries):
    build_every_channel(service, marketplace)
    m = marketplace
    everyone = [m.admin, m.admin2, m.staff_a, m.staff_a2, m.staff_b, m.multi_in_a, m.multi_in_b,
                m.customer_a, m.customer_a2, m.customer_b]
    shown = {}
    for principal in everyone:
        api = caller(principal)
        db.session.remove()
        with count_queries() as counter:
            response = api.get("/unread-count")
        assert counter.count == 1, counter.statements
        shown[principal] = response.get_json()["total_unread"]
        assert shown[principal] == service.get_unread_count(principal), principal
    # Not one number for everyone: the scopes differ, and so do the shops one staff member acts for.
    assert len(set(shown.values())) > 2
    assert shown[m.multi_in_a] != shown[m.multi_in_b]


def test_the_badge_poll_counts_for_the_shop_the_staff_member_acts_for(app, service, marketplace):
    build_every_channel(service, marketplace)
    in_a, in_b = app.test_client(), app.test_client()
    sign_in_staff(in_a, "multi@example", vendor_code="shop-a")
    sign_in_staff(in_b, "multi@example", vendor_code="shop-b")
    assert polled_badge(in_a, "vendor") == service.get_unread_count(marketplace.multi_in_a)
    assert polled_badge(in_b, "vendor") == service.get_unread_count(marketplace.multi_in_b)
    assert polled_badge(in_a, "vendor") != polled_badge(in_b, "vendor")
    customer = app.test_client()
    sign_in_customer(customer, "cust@example", "shop-a")
    assert polled_badge(customer, "customer") == service.get_unread_count(marketplace.customer_a) > 0


@pytest.mark.parametrize("ending", ["sign-out-everywhere", "lost-membership"])
def test_a_badge_poll_and_an_api_count_that_no_longer_stand_are_refused(app, caller, marketplace, threads, ending):
    browser = app.test_client()
    sign_in_staff(browser, "staff@a.example")
    api = caller(marketplace.staff_a)
    assert polled_badge(browser, "vendor") >= 0 and api.get("/unread-count").status_code == 200

    if ending == "sign-out-everywhere":
        end_every_session_of(marketplace.staff_a.type, marketplace.staff_a.id)
    else:
        db.session.execute(delete(VendorUser).where(VendorUser.user_id == marketplace.staff_a.id,
                                                    VendorUser.vendor_id == marketplace.staff_a.vendor_id))
    db.session.commit()

    poll = browser.get(f"{ROLE_PREFIX['vendor']}/unread-badge", headers=HTMX)
    assert poll.status_code == 401 and "/login" in poll.headers["HX-Redirect"]
    assert api.get("/unread-count").status_code == 401
    # The account itself still stands: what ended is this session and this token.
    assert db.session.get(User, marketplace.staff_a.id).is_active
