"""The inbox and the thread check the sign-in with their own first read (messaging/carried_checks.py).

One round trip instead of two on PostgreSQL. These tests pin what must not change with it: a
session that no longer stands sees nothing of the page and goes to sign in, whichever way the
page is asked for, and a person still signed in gets the page (or its 404) as before.
"""
import pytest
from flask import g
from sqlalchemy import delete, literal, text

from messaging import carried_checks
from messaging.auth import ACTING_AS_KEY
from messaging.extensions import db
from messaging.models import Conversation, ConversationType, ParticipantType, VendorUser
from messaging.services.session_versions import end_every_session_of
from tests.factories import start
from tests.web.page_support import HTMX, ROLE_PREFIX, text_of

SUBJECTS = ("Fees for A", "Your order")


def pages(prefix: str, conversation_id: int) -> dict:
    return {
        "inbox page": (prefix, {}),
        "inbox fragment": (prefix, HTMX),
        "thread page": (f"{prefix}/{conversation_id}", {}),
        "thread fragment": (f"{prefix}/{conversation_id}", HTMX),
        "thread's poll": (f"{prefix}/{conversation_id}/updates?after=0&status=open", HTMX),
        "earlier messages": (f"{prefix}/{conversation_id}/earlier?before=1000000", HTMX),
    }


def assert_sent_to_sign_in(response):
    if response.status_code == 401:  # htmx: the whole page goes to sign in (messaging/web/expired_session.py)
        assert "login" in response.headers["HX-Redirect"]
    else:
        assert response.status_code == 302 and "login" in response.headers["Location"]
    body = text_of(response)
    assert not any(subject in body for subject in SUBJECTS), body[:300]


@pytest.mark.parametrize("page", ["inbox page", "inbox fragment", "thread page", "thread fragment", "thread's poll",
                                  "earlier messages"])
def test_an_ended_session_sees_nothing_of_the_page(signed_in, page):
    url, headers = pages(signed_in.prefix, signed_in.conversation_id)[page]
    assert signed_in.client.get(url, headers=headers).status_code == 200

    end_every_session_of(signed_in.principal.type, signed_in.principal.id)
    db.session.commit()

    assert_sent_to_sign_in(signed_in.client.get(url, headers=headers))


def test_a_thread_out_of_scope_is_a_404_only_to_someone_still_signed_in(app, marketplace, threads, vendor_client):
    """Its read finds no row, so nothing carried the check: it is made on its own before the 404."""
    hidden = f"{ROLE_PREFIX['vendor']}/{threads['admin_customer'].id}"
    assert vendor_client.get(hidden, headers=HTMX).status_code == 404

    end_every_session_of(ParticipantType.VENDOR, marketplace.staff_a.id)
    db.session.commit()

    assert_sent_to_sign_in(vendor_client.get(hidden, headers=HTMX))


def test_another_roles_inbox_is_forbidden_only_to_someone_still_signed_in(marketplace, threads, vendor_client):
    admin_inbox = ROLE_PREFIX["admin"]
    assert vendor_client.get(admin_inbox, headers=HTMX).status_code == 403

    end_every_session_of(ParticipantType.VENDOR, marketplace.staff_a.id)
    db.session.commit()

    assert_sent_to_sign_in(vendor_client.get(admin_inbox, headers=HTMX))


def test_an_empty_inbox_checks_the_sign_in_on_its_own(marketplace, vendor_client, count_queries):
    """An inbox with no row to carry the check (no conversation yet): made apart, and an ended session
    still goes to sign in."""
    with count_queries() as counter:
        response = vendor_client.get(ROLE_PREFIX["vendor"], headers=HTMX)
    assert response.status_code == 200 and "No messages yet" in text_of(response)
    assert len(counter.statements) == 2 and "session_version" in counter.statements[1]

    end_every_session_of(ParticipantType.VENDOR, marketplace.staff_a.id)
    db.session.commit()
    assert_sent_to_sign_in(vendor_client.get(ROLE_PREFIX["vendor"], headers=HTMX))


def test_staff_who_left_the_shop_see_nothing_of_its_inbox(app, marketplace, threads, vendor_client):
    assert vendor_client.get(ROLE_PREFIX["vendor"], headers=HTMX).status_code == 200
    db.session.execute(delete(VendorUser).where(VendorUser.user_id == marketplace.staff_a.id))
    db.session.commit()
    assert_sent_to_sign_in(vendor_client.get(ROLE_PREFIX["vendor"], headers=HTMX))


@pytest.mark.parametrize("client_name", ["vendor_client", "customer_client"])
def test_a_session_claiming_another_shop_sees_nothing_of_it(request, marketplace, threads, client_name):
    """The claim is checked whole: the shop it acts for too, not the account alone."""
    client = request.getfixturevalue(client_name)
    prefix = ROLE_PREFIX["vendor" if client_name == "vendor_client" else "customer"]
    with client.session_transaction() as session:
        session[ACTING_AS_KEY] = {**session[ACTING_AS_KEY], "vendor_id": marketplace.vendor_b.id}
    assert_sent_to_sign_in(client.get(prefix, headers=HTMX))
    assert_sent_to_sign_in(client.get(f"{prefix}/{threads['vendor_customer'].id}", headers=HTMX))


@pytest.mark.parametrize("role", ["admin", "vendor", "customer"])
def test_the_inbox_fragment_is_one_statement_with_the_check_in_it(signed_in, count_queries, role):
    signed_in.client.get(signed_in.prefix, headers=HTMX)
    db.session.remove()
    with count_queries() as counter:
        response = signed_in.client.get(signed_in.prefix, headers=HTMX)
    assert response.status_code == 200
    [statement] = counter.statements
    assert "session_version" in statement


@pytest.mark.parametrize("who, name", [("admin_client", "Ada Admin"), ("vendor_client", "Sara A")])
def test_the_page_shows_the_name_the_check_read(request, marketplace, threads, who, name):
    client = request.getfixturevalue(who)
    prefix = ROLE_PREFIX["admin" if who == "admin_client" else "vendor"]
    assert name in text_of(client.get(prefix))
    assert name in text_of(client.get(f"{prefix}/{threads['admin_vendor'].id}"))
    with client:  # the request's principal is the checked one once the read has made the check
        client.get(prefix, headers=HTMX)
        assert g.principal.name == name


def test_nothing_is_written_while_a_check_is_pending(app, service, marketplace):
    thread = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a, "Pending")
    check = carried_checks.CarriedCheck(key="test", column=lambda: literal(1), parameters={}, settle=lambda _: None)
    with app.test_request_context():
        carried_checks.leave_pending(check)
        with pytest.raises(RuntimeError, match="pending"):
            db.session.execute(text("UPDATE conversations SET subject = 'changed' WHERE id = :id"), {"id": thread.id})
        db.session.rollback()
        carried_checks.made()
        assert g.get("_carried_check") is None
    assert db.session.get(Conversation, thread.id).subject == "Pending"
