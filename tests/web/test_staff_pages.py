"""What admin and vendor pages have beyond the shop: compose, close/reopen, type filters, the sidebar."""
import re

import pytest

from messaging.models import ConversationType
from tests.factories import start
from tests.sample_files import PNG
from tests.web.page_support import HTMX, file, is_full_page, text_of


def test_admin_layout_has_the_platform_administration_sidebar_and_badge(admin_client, threads):
    html = text_of(admin_client.get("/admin/messages"))
    assert re.search(r"Platform Administration</p>\s*<ul[^>]*>\s*<li><a href=\"/admin/messages\"", html)
    assert 'data-count="1"' in html  # the vendor's answer
    assert 'class="split"' in html


def test_vendor_layout_has_the_sales_sidebar(vendor_client, threads):
    html = text_of(vendor_client.get("/vendor/messages"))
    assert re.search(r"Sales</p>\s*<ul[^>]*>\s*<li><a href=\"/vendor/messages\"", html)


def test_admin_filters_by_type_unread_and_search(admin_client, threads):
    def subjects(query):
        return set(re.findall(r'class="conversation__subject">([^<]+)<', text_of(admin_client.get("/admin/messages" + query, headers=HTMX))))

    assert subjects("") == {"Fees for A", "Verify account"}
    assert subjects("?type=admin_vendor") == {"Fees for A"}
    assert subjects("?type=admin_customer") == {"Verify account"}
    assert subjects("?unread=1") == {"Fees for A"}
    assert subjects("?q=verify") == {"Verify account"}
    assert subjects("?q=Cora") == {"Verify account"}  # participant name
    assert subjects("?type=nonsense") == {"Fees for A", "Verify account"}


def test_vendor_sees_its_channels_only(vendor_client, threads):
    html = text_of(vendor_client.get("/vendor/messages"))
    assert "Fees for A" in html and "Your order" in html and "Verify account" not in html


def test_full_thread_page_keeps_the_list_beside_it(admin_client, threads):
    html = text_of(admin_client.get(f"/admin/messages/{threads['admin_vendor'].id}"))
    assert 'id="conversation-list"' in html and 'id="thread-panel"' in html
    assert 'aria-current="true"' in html


@pytest.mark.parametrize("client_name", ["admin_client", "vendor_client"])
def test_close_and_reopen_plain_and_htmx(request, client_name, threads, service, marketplace):
    client = request.getfixturevalue(client_name)
    prefix = "/admin/messages" if client_name == "admin_client" else "/vendor/messages"
    conversation_id = threads["admin_vendor"].id
    closed = client.post(f"{prefix}/{conversation_id}/close")
    assert closed.status_code == 302
    page = text_of(client.get(closed.location))
    assert "Conversation closed." in page and "Reopen conversation" in page and 'id="reply-form"' not in page
    reopened = client.post(f"{prefix}/{conversation_id}/reopen", headers=HTMX)
    assert reopened.status_code == 200 and not is_full_page(reopened)
    assert "conversation-changed" in reopened.headers["HX-Trigger"]
    assert 'id="reply-form"' in text_of(reopened) and "Reopened by" in text_of(reopened)


def test_a_status_change_seen_by_polling_replaces_the_whole_thread(admin_client, threads, service, marketplace):
    conversation_id = threads["admin_vendor"].id
    service.close_conversation(marketplace.staff_a, conversation_id)
    response = admin_client.get(f"/admin/messages/{conversation_id}/updates?after=0&status=open", headers=HTMX)
    assert response.headers["HX-Retarget"] == "#thread-panel"
    assert "Closed by Sara A" in text_of(response)


# ------------------------------------------------------------------ compose


def test_compose_is_a_modal_for_htmx_and_a_page_without(admin_client, marketplace):
    page = admin_client.get("/admin/messages/new")
    assert is_full_page(page) and 'id="compose-form"' in text_of(page)
    dialog = admin_client.get("/admin/messages/new", headers=HTMX)
    assert text_of(dialog).lstrip().startswith('<dialog id="compose-dialog"')
    assert "Sara A" in text_of(dialog) and "Mo Multi" in text_of(dialog)


def test_recipient_picker_searches(admin_client, marketplace):
    vendors = text_of(admin_client.get("/admin/messages/recipients?recipient_type=vendor&recipient_q=sara", headers=HTMX))
    assert "Sara A" in vendors and "Sven A" not in vendors
    customers = text_of(admin_client.get("/admin/messages/recipients?recipient_type=customer&recipient_q=cleo", headers=HTMX))
    assert "Cleo Customer" in customers and "Cora Customer" not in customers
    # Without JavaScript the picker is the compose page with the search filled in.
    plain = admin_client.get("/admin/messages/recipients?recipient_type=vendor&recipient_q=sara")
    assert plain.status_code == 302 and "/admin/messages/new" in plain.location
    searched = text_of(admin_client.post("/admin/messages/new", data={
        "action": "search", "recipient_type": "vendor", "recipient_q": "bea", "subject": "Typed subject"}))
    assert "Bea B" in searched and "Sara A" not in searched and 'value="Typed subject"' in searched


def test_admin_composes_to_a_vendor_user_without_javascript(admin_client, marketplace, service):
    staff = marketplace.staff_a
    response = admin_client.post(
        "/admin/messages/new",
        data={"action": "send", "recipient": f"vendor:{staff.id}:{staff.vendor_id}", "subject": "New fees",
              "initial_message": "Please read.", "attachments": [file("fees.png", PNG)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = text_of(admin_client.get(response.location))
    assert "New fees" in page and "Please read." in page and "fees.png" in page
    assert service.get_unread_count(staff) == 1


def test_admin_composes_with_htmx_and_the_new_thread_replaces_the_panel(admin_client, marketplace):
    customer = marketplace.customer_b
    response = admin_client.post(
        "/admin/messages/new",
        data={"action": "send", "recipient": f"customer:{customer.id}:{customer.vendor_id}", "subject": "Hello Cleo",
              "initial_message": "Welcome!"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#thread-panel"
    assert re.fullmatch(r"/admin/messages/\d+", response.headers["HX-Push-Url"])
    assert {"conversation-changed", "compose-done"} <= set(__import__("json").loads(response.headers["HX-Trigger"]))
    assert "Hello Cleo" in text_of(response)


def test_compose_refusals_keep_what_was_typed(admin_client, marketplace):
    response = admin_client.post(
        "/admin/messages/new",
        data={"action": "send", "recipient": "", "subject": "Kept subject", "initial_message": "Kept body"},
        headers=HTMX,
    )
    assert response.status_code == 422
    html = text_of(response)
    assert html.lstrip().startswith('<form id="compose-form"')
    assert "Choose a recipient." in html and 'value="Kept subject"' in html and "Kept body" in html
    staff = marketplace.staff_a
    no_subject = admin_client.post(
        "/admin/messages/new",
        data={"action": "send", "recipient": f"vendor:{staff.id}:{staff.vendor_id}", "subject": "", "initial_message": "x"},
    )
    assert no_subject.status_code == 422 and is_full_page(no_subject)
    assert 'id="subject-error"' in text_of(no_subject)


def test_vendor_composes_to_its_customers_only(vendor_client, marketplace):
    dialog = text_of(vendor_client.get("/vendor/messages/new", headers=HTMX))
    assert "Cora Customer" in dialog and "Cleo Customer" not in dialog
    assert 'name="recipient_type" value="customer"' in dialog and "Vendor staff" not in dialog
    # Asking for vendor staff anyway gives the customer list (the only kind it may write to).
    assert "Cora Customer" in text_of(vendor_client.get("/vendor/messages/recipients?recipient_type=vendor", headers=HTMX))
    admin = marketplace.admin
    refused = vendor_client.post(
        "/vendor/messages/new",
        data={"action": "send", "recipient": f"admin:{admin.id}:", "subject": "Hi", "initial_message": "x"},
    )
    assert refused.status_code == 422
    other_shop = marketplace.customer_b
    refused = vendor_client.post(
        "/vendor/messages/new",
        data={"action": "send", "recipient": f"customer:{other_shop.id}:{other_shop.vendor_id}", "subject": "Hi",
              "initial_message": "x"},
    )
    assert refused.status_code == 422 and "No such recipient." in text_of(refused)
    customer = marketplace.customer_a
    created = vendor_client.post(
        "/vendor/messages/new",
        data={"action": "send", "recipient": f"customer:{customer.id}:{customer.vendor_id}", "subject": "Your parcel",
              "initial_message": "It ships today."},
    )
    assert created.status_code == 302


# ------------------------------------------------------------------ queries


def test_list_page_queries_do_not_grow_with_the_conversations(admin_client, service, marketplace, count_queries):
    def add_conversations(how_many):
        for number in range(how_many):
            recipient = marketplace.staff_a if number % 2 else marketplace.customer_a
            kind = ConversationType.ADMIN_VENDOR if number % 2 else ConversationType.ADMIN_CUSTOMER
            start(service, marketplace.admin, kind, recipient, f"Topic {number}")
            service.send_message(recipient, service.list_conversations(marketplace.admin).items[0].id, "Reply")

    def queries_for_list_page():
        # Warm up first: the tests share one session, so the first request after writes reloads expired rows.
        admin_client.get("/admin/messages?per_page=100")
        with count_queries() as counter:
            response = admin_client.get("/admin/messages?per_page=100")
        assert response.status_code == 200
        counter_statements.append(f"--- {counter.count} queries:")
        counter_statements.extend(counter.statements)
        return counter.count, text_of(response).count('class="conversation__link"')

    counter_statements: list[str] = []
    add_conversations(20)
    small, shown_small = queries_for_list_page()
    add_conversations(40)
    large, shown_large = queries_for_list_page()
    assert (shown_small, shown_large) == (20, 60)
    assert large == small, "\n".join(counter_statements)


def test_opening_a_conversation_from_a_filtered_list_keeps_the_filter(admin_client, threads):
    listing = text_of(admin_client.get("/admin/messages?type=admin_vendor"))
    href = re.search(r'class="conversation__link" href="([^"#]+)[^"]*"', listing).group(1)
    assert href == f"/admin/messages/{threads['admin_vendor'].id}?type=admin_vendor"
    page = text_of(admin_client.get(href))
    assert "Fees for A" in page and 'class="conversation__subject">Verify account<' not in page
