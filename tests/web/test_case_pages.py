"""Marketplace cases on the pages (decisions §7), JavaScript off (plain posts) and htmx fragments:
the admins' settings page, customers contacting their shop, context, escalating and resolving."""
import pytest

from messaging.models import ConversationType
from tests.factories import start
from tests.web.page_support import HTMX, is_full_page, sign_in_customer, sign_in_staff, text_of

SETTINGS = "/admin/settings/messaging"
SHOP_NEW = "/shop/account/messages/new"
ENTRY = f"{SHOP_NEW}?context_type=order&context_ref=A-9&context_label=Desk+lamp"


def contact_form(**extra):
    return {"subject": "Lamp flickers", "initial_message": "It flickers since day one.", **extra}


def test_settings_page_validates_applies_and_lists_each_change(admin_client):
    page = admin_client.get(SETTINGS)
    assert page.status_code == 200 and "Messaging settings" in text_of(page) and "No changes yet." in text_of(page)

    refused = admin_client.post(SETTINGS, data={"attachment_max_size_mb": "0"})
    assert refused.status_code == 422
    assert "from 1 to 100" in text_of(refused) and 'value="0"' in text_of(refused)

    saved = admin_client.post(SETTINGS, data={"attachment_max_size_mb": "25", "customers_can_start": "on"},
                              follow_redirects=True)
    assert saved.status_code == 200 and "Messaging settings saved." in text_of(saved)
    html = text_of(saved)
    assert 'value="25"' in html and "checked" in html
    assert html.count("Ada Admin") >= 2  # two rows of history, by whom
    assert "Attachment size limit (MB)" in html and "Customers can start conversations" in html
    # The upload hint of every page follows at once.
    assert "Up to 5 files of 25 MB each." in text_of(admin_client.get("/admin/messages/new"))

    fragment = admin_client.post(SETTINGS, data={"attachment_max_size_mb": "30"}, headers=HTMX)
    assert fragment.status_code == 200 and not is_full_page(fragment)
    assert "Saved. The new settings apply from the next request." in text_of(fragment)


def test_only_admins_open_the_settings_page(vendor_client, customer_client, client, marketplace):
    assert vendor_client.get(SETTINGS).status_code == 403
    assert customer_client.get(SETTINGS).status_code == 403
    assert client.get(SETTINGS).status_code == 302  # to the sign-in page


def test_setting_off_refuses_customers_and_turning_it_on_applies_to_the_next_request(
        admin_client, customer_client, marketplace):
    assert customer_client.get(ENTRY).status_code == 403
    assert customer_client.post(SHOP_NEW, data=contact_form()).status_code == 403
    assert "Contact the shop" not in text_of(customer_client.get("/shop/account/messages"))

    admin_client.post(SETTINGS, data={"attachment_max_size_mb": "10", "customers_can_start": "on"})

    assert "Contact the shop" in text_of(customer_client.get("/shop/account/messages"))
    assert customer_client.get(ENTRY).status_code == 200


def test_customer_starts_from_the_order_entry_point(app, admin_client, customer_client, vendor_client, marketplace):
    admin_client.post(SETTINGS, data={"attachment_max_size_mb": "10", "customers_can_start": "on"})
    entry = text_of(customer_client.get(ENTRY))
    assert "About order" in entry and "<strong>A-9</strong> · Desk lamp" in entry
    assert 'name="context_ref" value="A-9"' in entry

    sent = customer_client.post(SHOP_NEW, data=contact_form(context_type="order", context_ref="A-9",
                                                            context_label="Desk lamp"))
    assert sent.status_code == 302
    thread = text_of(customer_client.get(sent.headers["Location"]))
    assert "Lamp flickers" in thread and "About order" in thread and "A-9" in thread

    listing = text_of(vendor_client.get("/vendor/messages"))
    assert "Order A-9" in listing
    conversation_path = sent.headers["Location"].replace("/shop/account/messages", "/vendor/messages")
    assert "https://" not in text_of(vendor_client.get(conversation_path)).split("thread-header")[1].split("</header>")[0]
    app.config["ORDER_URL_TEMPLATE"] = "https://shop.example/orders/{ref}"
    assert 'href="https://shop.example/orders/A-9"' in text_of(vendor_client.get(conversation_path))
    # The list filter of one order, on the page.
    filtered = text_of(vendor_client.get("/vendor/messages?context_type=order&context_ref=A-9"))
    assert "Lamp flickers" in filtered and "Any order or product" in filtered
    assert "Lamp flickers" not in text_of(vendor_client.get("/vendor/messages?context_type=order&context_ref=B-1"))


def test_refused_contact_form_comes_back_as_typed(app, admin_client, customer_client, marketplace):
    admin_client.post(SETTINGS, data={"attachment_max_size_mb": "10", "customers_can_start": "on"})
    missing = customer_client.post(SHOP_NEW, data=contact_form(subject=""))
    assert missing.status_code == 422 and "A subject is required." in text_of(missing)
    assert "It flickers since day one." in text_of(missing)

    app.config["CUSTOMER_CONVERSATIONS_PER_DAY"] = 1
    assert customer_client.post(SHOP_NEW, data=contact_form()).status_code == 302
    limited = customer_client.post(SHOP_NEW, data=contact_form(subject="Second"))
    assert limited.status_code == 429
    assert "You can start 1 conversations a day" in text_of(limited) and 'value="Second"' in text_of(limited)


def test_staff_compose_takes_a_context(vendor_client, marketplace):
    recipient = f"customer:{marketplace.customer_a.id}:"
    response = vendor_client.post("/vendor/messages/new", data={
        "action": "send", "recipient_type": "customer", "recipient": recipient, "subject": "Your return",
        "initial_message": "Label attached.", "context_type": "product", "context_ref": "SKU-1", "context_label": "Kettle",
    })
    assert response.status_code == 302
    thread = text_of(vendor_client.get(response.headers["Location"]))
    assert "About product" in thread and "SKU-1" in thread and "Kettle" in thread
    refused = vendor_client.post("/vendor/messages/new", data={
        "action": "send", "recipient_type": "customer", "recipient": recipient, "subject": "Your return",
        "initial_message": "Label attached.", "context_type": "product", "context_ref": "",
    })
    assert refused.status_code == 422 and "reference" in text_of(refused)


@pytest.fixture
def shop_case(service, marketplace):
    return start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a,
                 "Broken vase").id


def test_escalate_and_resolve_without_javascript(admin_client, vendor_client, customer_client, shop_case):
    thread = f"/shop/account/messages/{shop_case}"
    assert "Ask the marketplace to step in" in text_of(customer_client.get(thread))
    assert admin_client.get(f"/admin/messages/{shop_case}").status_code == 404

    refused = customer_client.post(f"{thread}/escalate", data={"reason": "  "})
    assert refused.status_code == 422 and "Say why the marketplace should step in." in text_of(refused)

    done = customer_client.post(f"{thread}/escalate", data={"reason": "Refund refused"}, follow_redirects=True)
    assert "The marketplace has been asked to step in." in text_of(done)
    assert "Escalated to the marketplace" in text_of(done) and "Refund refused" in text_of(done)
    assert "Ask the marketplace to step in" not in text_of(done)

    escalated_list = text_of(admin_client.get("/admin/messages?escalated=1"))
    assert "Broken vase" in escalated_list and "chip--escalated" in escalated_list
    assert "Broken vase" not in text_of(admin_client.get("/admin/messages?escalated=1&status=closed"))
    admin_thread = text_of(admin_client.get(f"/admin/messages/{shop_case}"))
    assert "Mark resolved" in admin_thread
    # Vendor staff see the escalation, but only admins resolve.
    vendor_thread = text_of(vendor_client.get(f"/vendor/messages/{shop_case}"))
    assert "Escalated to the marketplace" in vendor_thread and "Mark resolved" not in vendor_thread
    assert vendor_client.post(f"/vendor/messages/{shop_case}/resolve").status_code == 403

    admin_client.post(f"/admin/messages/{shop_case}/messages", data={"content": "We refund you."})
    resolved = admin_client.post(f"/admin/messages/{shop_case}/resolve", follow_redirects=True)
    assert "Marked resolved." in text_of(resolved) and "Resolved by Ada Admin" in text_of(resolved)
    assert "Broken vase" not in text_of(admin_client.get("/admin/messages?escalated=1"))
    assert "We refund you." in text_of(vendor_client.get(f"/vendor/messages/{shop_case}"))
    assert "We refund you." in text_of(customer_client.get(thread))


def test_escalate_with_htmx_swaps_the_thread(customer_client, shop_case):
    response = customer_client.post(f"/shop/account/messages/{shop_case}/escalate", data={"reason": "Help"},
                                    headers=HTMX)
    assert response.status_code == 200 and not is_full_page(response)
    assert 'id="thread-panel"' in text_of(response) and "Escalated to the marketplace" in text_of(response)
    assert "conversation-changed" in response.headers["HX-Trigger"]
    refused = customer_client.post(f"/shop/account/messages/{shop_case}/escalate", data={"reason": ""},
                                   headers=HTMX)
    # Already escalated: the form is gone, so an empty reason is refused as input all the same.
    assert refused.status_code == 422 and not is_full_page(refused)


def test_customers_of_another_shop_get_404_on_the_escalate_form(app, shop_case, marketplace):
    client = app.test_client()
    sign_in_customer(client, "cust@example", "shop-b")
    assert client.post(f"/shop/account/messages/{shop_case}/escalate", data={"reason": "x"}).status_code == 404
    staff_b = app.test_client()
    sign_in_staff(staff_b, "staff@b.example")
    assert staff_b.post(f"/vendor/messages/{shop_case}/escalate", data={"reason": "x"}).status_code == 404
