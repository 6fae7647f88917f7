"""Marketplace cases over the JSON API (decisions §7): context, escalation, resolving, customers starting
conversations with their shop, the daily limit, and the admins' messaging settings."""
import io
from datetime import timedelta

import pytest
from sqlalchemy import update

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models import Conversation
from messaging.services.errors import InvalidInput
from messaging.services.messaging_settings import update_settings
from tests.api.api_support import error_of
from tests.sample_files import PNG


def allow_customers(marketplace, on: bool = True):
    update_settings(marketplace.admin, customers_can_start=on)
    db.session.commit()


def shop_start(caller, customer, subject="About my order", **extra):
    return caller(customer).post(json={"subject": subject, "initial_message": "Where is it?", **extra})


# ------------------------------------------------------------------ escalation


def test_customer_escalates_and_everyone_sees_who_when_and_why(caller, service, marketplace, threads):
    m = marketplace
    conversation_id = threads["vendor_customer"].id
    vendor_unread_before = caller(m.staff_a).get("/unread-count").get_json()["total_unread"]
    preview_before = caller(m.staff_a).get(f"/{conversation_id}").get_json()["last_message_preview"]

    response = caller(m.customer_a).post(f"/{conversation_id}/escalate", json={"reason": "  No refund yet.  "})
    assert response.status_code == 200
    body = response.get_json()
    assert body["is_escalated"] is True
    assert body["escalation"]["escalated_by"] == {"type": "customer", "id": m.customer_a.id, "name": "Cora Customer"}
    assert body["escalation"]["reason"] == "No refund yet."
    assert body["escalation"]["resolved_by"] is None and body["escalation"]["resolved_at"] is None
    note = body["messages"][-1]
    assert note["is_system_message"] and note["content"] == "Cora Customer asked the marketplace to step in: No refund yet."

    # The note is not news for the vendor's badge, and not the list's preview.
    vendor = caller(m.staff_a)
    assert vendor.get("/unread-count").get_json()["total_unread"] == vendor_unread_before
    listed = {item["id"]: item for item in vendor.get().get_json()["items"]}[conversation_id]
    assert listed["last_message_preview"] == preview_before and listed["is_escalated"] is True

    # Escalating again changes nothing and adds no second note.
    again = caller(m.staff_a).post(f"/{conversation_id}/escalate", json={"reason": "Me too"})
    assert again.status_code == 200
    assert again.get_json()["escalation"]["reason"] == "No refund yet."
    assert sum(item["is_system_message"] for item in again.get_json()["messages"]) == 1


def test_escalation_is_found_under_escalated_replied_to_and_resolved(caller, service, marketplace, threads):
    m = marketplace
    conversation_id = threads["vendor_customer"].id
    admin = caller(m.admin)
    assert admin.get(f"/{conversation_id}").status_code == 404
    caller(m.staff_a).post(f"/{conversation_id}/escalate", json={"reason": "Customer threatens a chargeback"})

    escalated = admin.get("?escalated=true").get_json()
    assert [item["id"] for item in escalated["items"]] == [conversation_id] and escalated["total"] == 1
    assert admin.post(f"/{conversation_id}/messages", json={"content": "Looking into it."}).status_code == 201
    # The admin took part: what the shop and the customer write now counts on their badge.
    caller(m.customer_a).post(f"/{conversation_id}/messages", json={"content": "Thank you"})
    assert admin.get("/unread-count").get_json()["total_unread"] >= 1

    resolved = admin.post(f"/{conversation_id}/resolve")
    assert resolved.status_code == 200
    body = resolved.get_json()
    assert body["is_escalated"] is False
    assert body["escalation"]["resolved_by"]["name"] == "Ada Admin"
    assert body["messages"][-1]["content"] == "Resolved by Ada Admin"
    assert admin.get("?escalated=true").get_json()["total"] == 0
    assert admin.get(f"/{conversation_id}").status_code == 200  # took part: still theirs
    assert caller(m.admin2).get(f"/{conversation_id}").status_code == 404
    assert admin.post(f"/{conversation_id}/resolve").status_code == 200  # nothing more to resolve: unchanged
    assert [m_["content"] for m_ in admin.get(f"/{conversation_id}").get_json()["messages"]].count(
        "Resolved by Ada Admin") == 1


@pytest.mark.parametrize("reason, field_error", [("", "reason"), ("x" * 1001, "reason")])
def test_escalation_needs_a_reason_of_at_most_1000_characters(caller, marketplace, threads, reason, field_error):
    response = caller(marketplace.customer_a).post(f"/{threads['vendor_customer'].id}/escalate",
                                                   json={"reason": reason})
    assert response.status_code == 422
    assert field_error in error_of(response)["fields"]


def test_blank_reason_is_refused_by_the_service_too(service, marketplace, threads):
    with pytest.raises(InvalidInput) as refusal:
        service.escalate(marketplace.customer_a, threads["vendor_customer"].id, "   ")
    assert refusal.value.fields == {"reason": "Required."}


def test_closed_and_non_shop_conversations_cannot_be_escalated(caller, service, marketplace, threads):
    m = marketplace
    service.close_conversation(m.staff_a, threads["vendor_customer"].id)
    closed = caller(m.customer_a).post(f"/{threads['vendor_customer'].id}/escalate", json={"reason": "Help"})
    assert closed.status_code == 409 and error_of(closed)["code"] == "conversation_closed"
    platform = caller(m.customer_a).post(f"/{threads['admin_customer'].id}/escalate", json={"reason": "Help"})
    assert platform.status_code == 403 and error_of(platform)["code"] == "forbidden"


# ------------------------------------------------------------------ context


def test_staff_create_with_context_filter_and_search_by_it(app, caller, marketplace):
    m = marketplace
    vendor = caller(m.staff_a)
    created = vendor.post(json={
        "conversation_type": "vendor_customer", "subject": "Your delivery", "recipient_type": "customer",
        "recipient_id": m.customer_a.id, "initial_message": "It ships today.",
        "context_type": "order", "context_ref": "A/1001 #2", "context_label": "Garden chairs",
    })
    assert created.status_code == 201
    assert created.get_json()["context"] == {"type": "order", "ref": "A/1001 #2", "label": "Garden chairs", "url": None}
    other = start_other(vendor, m, context_type="product", context_ref="SKU-7")

    only = vendor.get("?context_type=order&context_ref=A/1001 %232").get_json()
    assert [item["id"] for item in only["items"]] == [created.get_json()["id"]]
    assert [item["id"] for item in vendor.get("?context_type=product").get_json()["items"]] == [other]
    assert [item["id"] for item in vendor.get("?q=garden chairs").get_json()["items"]] == [created.get_json()["id"]]
    assert [item["id"] for item in vendor.get("?q=sku-7").get_json()["items"]] == [other]

    # With a URL template the link appears, the reference quoted whole.
    app.config["ORDER_URL_TEMPLATE"] = "https://shop.example/orders/{ref}"
    detail = caller(m.customer_a).get(f"/{created.get_json()['id']}").get_json()
    assert detail["context"]["url"] == "https://shop.example/orders/A%2F1001%20%232"
    # The list too, though it listed the same rows before (its summaries are remembered per row).
    listed = {item["id"]: item for item in vendor.get().get_json()["items"]}
    assert listed[created.get_json()["id"]]["context"]["url"] == detail["context"]["url"]


def start_other(vendor, m, **context):
    response = vendor.post(json={
        "conversation_type": "vendor_customer", "subject": "Restock", "recipient_type": "customer",
        "recipient_id": m.customer_a2.id, "initial_message": "Back in stock.", **context,
    })
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.mark.parametrize("context, field", [
    ({"context_type": "invoice", "context_ref": "1"}, "context_type"),
    ({"context_type": "order", "context_ref": "x" * 65}, "context_ref"),
    ({"context_type": "order", "context_ref": "1", "context_label": "x" * 201}, "context_label"),
    ({"context_ref": "1"}, "context_type"),
    ({"context_type": "order"}, "context_ref"),
])
def test_context_is_validated(caller, marketplace, context, field):
    response = caller(marketplace.staff_a).post(json={
        "conversation_type": "vendor_customer", "subject": "Hi", "recipient_type": "customer",
        "recipient_id": marketplace.customer_a.id, "initial_message": "Hello", **context,
    })
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


# ------------------------------------------------------------------ customers start


def test_customers_start_only_while_the_setting_is_on(caller, marketplace):
    m = marketplace
    refused = shop_start(caller, m.customer_a)
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"

    allow_customers(m)
    created = shop_start(caller, m.customer_a, context_type="order", context_ref="A-77", context_label="Lamp")
    assert created.status_code == 201
    body = created.get_json()
    assert body["conversation_type"] == "vendor_customer"
    assert body["vendor"] == {"id": m.vendor_a.id, "name": "Shop A"}
    assert [p["id"] for p in body["participants"]] == [m.customer_a.id]
    assert body["context"]["ref"] == "A-77"
    # The shop's team sees it with its reference; another shop, the other customer, admins do not.
    assert body["id"] in {i["id"] for i in caller(m.staff_a2).get("?context_ref=A-77").get_json()["items"]}
    for outsider in (m.staff_b, m.customer_a2, m.customer_b, m.admin):
        assert caller(outsider).get(f"/{body['id']}").status_code == 404

    allow_customers(m, on=False)
    assert shop_start(caller, m.customer_a).status_code == 403


def test_customers_write_to_their_own_shop_only(caller, marketplace):
    m = marketplace
    allow_customers(m)
    elsewhere = shop_start(caller, m.customer_a, conversation_type="admin_customer")
    assert elsewhere.status_code == 403
    named = shop_start(caller, m.customer_a, recipient_type="vendor", recipient_id=m.staff_b.id)
    assert named.status_code == 422 and "recipient_id" in error_of(named)["fields"]
    # Explicitly naming the shop's channel is fine.
    assert shop_start(caller, m.customer_a, conversation_type="vendor_customer").status_code == 201


def test_daily_limit_per_customer_account(app, caller, marketplace):
    m = marketplace
    allow_customers(m)
    app.config["CUSTOMER_CONVERSATIONS_PER_DAY"] = 2
    assert [shop_start(caller, m.customer_a, f"Q{n}").status_code for n in range(2)] == [201, 201]
    refused = shop_start(caller, m.customer_a, "Q3")
    assert refused.status_code == 429 and error_of(refused)["code"] == "too_many_requests"
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    # The same person's account at the other shop, and another customer, have their own allowance.
    assert shop_start(caller, m.customer_b, "Q1").status_code == 201
    assert shop_start(caller, m.customer_a2, "Q1").status_code == 201
    # Replying is never limited.
    first = caller(m.customer_a).get().get_json()["items"][0]["id"]
    assert caller(m.customer_a).post(f"/{first}/messages", json={"content": "more"}).status_code == 201
    # A day later there is room again.
    db.session.execute(update(Conversation).values(created_at=utcnow() - timedelta(days=1, seconds=1)))
    db.session.commit()
    assert shop_start(caller, m.customer_a, "Q4").status_code == 201


# ------------------------------------------------------------------ settings


def settings_api(client, tokens, principal):
    return {"Authorization": f"Bearer {tokens.issue(principal).token}"}


def test_settings_api_reads_validates_applies_and_records(client, tokens, caller, marketplace):
    m = marketplace
    admin = settings_api(client, tokens, m.admin)
    url = "/api/v1/admin/settings/messaging"
    body = client.get(url, headers=admin).get_json()
    assert body == {"attachment_max_size_mb": 10, "customers_can_start": False, "changes": []}

    for wrong in ({"attachment_max_size_mb": 0}, {"attachment_max_size_mb": 101}, {"attachment_max_size_mb": "5"},
                  {"customers_can_start": "maybe"}, {"unknown": 1}):
        response = client.put(url, json=wrong, headers=admin)
        assert response.status_code == 422, wrong
    assert client.get(url, headers=admin).get_json()["changes"] == []

    changed = client.put(url, json={"attachment_max_size_mb": 1, "customers_can_start": True}, headers=admin)
    assert changed.status_code == 200
    body = changed.get_json()
    assert (body["attachment_max_size_mb"], body["customers_can_start"]) == (1, True)
    recorded = {(c["key"], c["old_value"], c["new_value"], c["changed_by"]) for c in body["changes"]}
    assert recorded == {("message_attachment_max_size_mb", "10", "1", "Ada Admin"),
                        ("messaging_customers_can_start", "false", "true", "Ada Admin")}
    # The same values again record nothing new.
    again = client.put(url, json={"attachment_max_size_mb": 1}, headers=admin).get_json()
    assert len(again["changes"]) == 2

    # Applied on the next request: customers may start, and a 1.5 MB file is now too large.
    conversation = shop_start(caller, m.customer_a)
    assert conversation.status_code == 201
    big = PNG + b"\0" * (1024 * 1024 + 512 * 1024)
    too_big = caller(m.customer_a).post(f"/{conversation.get_json()['id']}/messages",
                                        data={"content": "photo", "attachments": [(io.BytesIO(big), "big.png")]},
                                        content_type="multipart/form-data")
    assert too_big.status_code == 413 and error_of(too_big)["code"] == "file_too_large"

    for outsider in (m.staff_a, m.customer_a):
        response = client.get(url, headers=settings_api(client, tokens, outsider))
        assert response.status_code == 401 and error_of(response)["code"] == "wrong_role"
    assert client.get(url).status_code == 401
