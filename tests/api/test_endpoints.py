"""Every endpoint of every role: the happy path and the specification's refusals."""
import pytest

from messaging.models import ConversationType
from tests.api.api_support import error_of


def summary_keys():
    return {
        "id", "conversation_type", "subject", "status", "vendor", "participants", "last_message_preview",
        "last_message_at", "message_count", "unread_count", "created_at", "context", "is_escalated", "escalation",
    }


def detail_keys():
    return summary_keys() | {"messages", "has_more_messages", "email_notifications", "can_reply", "can_close",
                             "can_escalate", "can_resolve"}


@pytest.mark.parametrize(
    "who, expected",
    [
        ("admin", {"Verify account", "Fees for A"}),
        ("staff_a", {"Your order", "Fees for A"}),
        ("staff_b", set()),
        ("customer_a", {"Your order", "Verify account"}),
        ("customer_a2", set()),
    ],
)
def test_list_shows_the_role_scope(caller, marketplace, threads, who, expected):
    response = caller(getattr(marketplace, who)).get()
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"items", "total", "total_is_exact", "page", "per_page", "pages"}
    assert body["total_is_exact"] is True
    assert {item["subject"] for item in body["items"]} == expected
    assert body["total"] == len(expected)
    for item in body["items"]:
        assert set(item) == summary_keys()
        assert item["last_message_at"].endswith("Z") and item["created_at"].endswith("Z")


def test_list_filters_and_paging(caller, marketplace, threads, service):
    admin = caller(marketplace.admin)
    service.close_conversation(marketplace.admin, threads["admin_vendor"].id)
    assert [i["subject"] for i in admin.get(query_string={"status": "closed"}).get_json()["items"]] == ["Fees for A"]
    assert [i["subject"] for i in admin.get(query_string={"status": "open"}).get_json()["items"]] == ["Verify account"]
    by_type = admin.get(query_string={"conversation_type": "admin_customer"}).get_json()
    assert [i["subject"] for i in by_type["items"]] == ["Verify account"]
    assert [i["subject"] for i in admin.get(query_string={"q": "verif"}).get_json()["items"]] == ["Verify account"]
    assert [i["subject"] for i in admin.get(query_string={"q": "Cora"}).get_json()["items"]] == ["Verify account"]
    customer = caller(marketplace.customer_a)
    unread = customer.get(query_string={"unread": "true"}).get_json()
    assert {i["subject"] for i in unread["items"]} == {"Your order", "Verify account"}
    page = admin.get(query_string={"per_page": 1, "page": 2}).get_json()
    assert (page["total"], page["page"], page["per_page"], page["pages"], len(page["items"])) == (2, 2, 1, 2, 1)
    # newest activity first
    assert [i["subject"] for i in admin.get().get_json()["items"]] == ["Fees for A", "Verify account"]


def test_unread_count_per_role(caller, marketplace, threads):
    assert caller(marketplace.customer_a).get("/unread-count").get_json() == {"total_unread": 2}
    assert caller(marketplace.staff_a).get("/unread-count").get_json() == {"total_unread": 1}
    assert caller(marketplace.admin).get("/unread-count").get_json() == {"total_unread": 1}


def test_detail_gives_the_thread(caller, marketplace, threads):
    conversation_id = threads["vendor_customer"].id
    response = caller(marketplace.customer_a).get(f"/{conversation_id}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == detail_keys()
    assert body["vendor"] == {"id": marketplace.vendor_a.id, "name": "Shop A"}
    assert body["can_reply"] is True and body["can_close"] is False and body["email_notifications"] is True
    assert body["has_more_messages"] is False
    (message,) = body["messages"]
    assert set(message) == {"id", "conversation_id", "sender", "content", "is_system_message", "created_at", "attachments"}
    assert message["sender"] == {"type": "vendor", "id": marketplace.staff_a.id, "name": "Sara A"}
    (attachment,) = message["attachments"]
    assert set(attachment) == {"id", "filename", "content_type", "size_bytes", "is_image", "download_url"}
    assert attachment["download_url"] == f"/api/v1/shop/messages/{conversation_id}/attachments/{attachment['id']}"
    staff_view = caller(marketplace.staff_a).get(f"/{conversation_id}").get_json()
    assert staff_view["can_close"] is True
    assert staff_view["messages"][0]["attachments"][0]["download_url"].startswith("/api/v1/vendor/messages/")


def test_detail_pages_back_with_before(caller, marketplace, threads, service):
    conversation_id = threads["admin_vendor"].id
    for number in range(101):
        service.send_message(marketplace.admin, conversation_id, f"note {number}")
    admin = caller(marketplace.admin)
    latest = admin.get(f"/{conversation_id}").get_json()
    assert len(latest["messages"]) == 100 and latest["has_more_messages"] is True
    assert latest["messages"][-1]["content"] == "note 100"
    older = admin.get(f"/{conversation_id}", query_string={"before": latest["messages"][0]["id"]}).get_json()
    assert [m["content"] for m in older["messages"]] == ["First message", "Which fees exactly?", "note 0"]
    assert older["has_more_messages"] is False


@pytest.mark.parametrize(
    "sender, recipient, kind",
    [
        ("admin", "staff_a", "admin_vendor"),
        ("admin", "customer_b", "admin_customer"),
        ("staff_a", "customer_a2", "vendor_customer"),
    ],
)
def test_create_conversation(caller, marketplace, sender, recipient, kind):
    target = getattr(marketplace, recipient)
    response = caller(getattr(marketplace, sender)).post(json={
        "conversation_type": kind,
        "subject": "  New thread  ",
        "recipient_type": target.type.value,
        "recipient_id": target.id,
        "initial_message": "Hello there",
    })
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == detail_keys()
    assert body["subject"] == "New thread" and body["conversation_type"] == kind
    assert response.headers["Location"].endswith(f"/messages/{body['id']}")
    assert [m["content"] for m in body["messages"]] == ["Hello there"]
    # the recipient sees it, on their own surface
    seen = caller(target).get(f"/{body['id']}")
    assert seen.status_code == 200 and seen.get_json()["unread_count"] == 1


@pytest.mark.parametrize(
    "who, kind, recipient",
    [("customer_a", "vendor_customer", "staff_a"), ("customer_a", "admin_customer", "admin"),
     ("staff_a", "admin_vendor", "admin")],
)
def test_creating_what_the_role_may_not_is_403(caller, marketplace, who, kind, recipient):
    """Customers only reply; vendors do not start admin_vendor conversations (admins do)."""
    target = getattr(marketplace, recipient)
    response = caller(getattr(marketplace, who)).post(json={
        "conversation_type": kind, "subject": "Hi", "recipient_type": target.type.value,
        "recipient_id": target.id, "initial_message": "Hello",
    })
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_vendor_cannot_reach_another_vendors_customer(caller, marketplace):
    response = caller(marketplace.staff_a).post(json={
        "conversation_type": "vendor_customer", "subject": "Hi", "recipient_type": "customer",
        "recipient_id": marketplace.customer_b.id, "initial_message": "Hello",
    })
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error" and "recipient_id" in error["fields"]


def test_send_json_reply(caller, marketplace, threads):
    conversation_id = threads["vendor_customer"].id
    response = caller(marketplace.customer_a).post(f"/{conversation_id}/messages", json={"content": "Thanks!"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["content"] == "Thanks!" and body["conversation_id"] == conversation_id
    assert body["sender"]["type"] == "customer" and body["attachments"] == []
    assert body["created_at"].endswith("Z")
    assert caller(marketplace.staff_a).get("/unread-count").get_json()["total_unread"] == 2


@pytest.mark.parametrize("who", ["admin", "staff_a", "customer_a"])
def test_sending_into_a_closed_conversation_is_refused(caller, marketplace, threads, service, who):
    thread = threads["admin_customer"] if who != "staff_a" else threads["vendor_customer"]
    closer = marketplace.admin if who != "staff_a" else marketplace.staff_a
    service.close_conversation(closer, thread.id)
    response = caller(getattr(marketplace, who)).post(f"/{thread.id}/messages", json={"content": "Still there?"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "conversation_closed"


@pytest.mark.parametrize("who, thread", [("admin", "admin_customer"), ("staff_a", "vendor_customer")])
def test_close_and_reopen(caller, marketplace, threads, who, thread):
    api = caller(getattr(marketplace, who))
    conversation_id = threads[thread].id
    closed = api.post(f"/{conversation_id}/close")
    assert closed.status_code == 200
    body = closed.get_json()
    assert body["status"] == "closed" and body["can_reply"] is False
    assert body["messages"][-1]["is_system_message"] is True
    assert body["messages"][-1]["content"].startswith("Closed by")
    reopened = api.post(f"/{conversation_id}/reopen")
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "open"


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_customer_cannot_close_or_reopen(caller, marketplace, threads, action):
    response = caller(marketplace.customer_a).post(f"/{threads['vendor_customer'].id}/{action}")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


@pytest.mark.parametrize("who, thread", [("customer_a", "vendor_customer"), ("admin", "admin_customer"),
                                         ("staff_a", "admin_vendor")])
def test_mark_read(caller, marketplace, threads, service, who, thread):
    principal = getattr(marketplace, who)
    conversation_id = threads[thread].id
    if who != "customer_a":
        other = marketplace.customer_a if who == "admin" else marketplace.admin
        service.send_message(other, conversation_id, "ping")
    api = caller(principal)
    before = api.get("/unread-count").get_json()["total_unread"]
    assert before >= 1
    response = api.put(f"/{conversation_id}/read")
    assert response.status_code == 200
    body = response.get_json()
    assert body["conversation_id"] == conversation_id and body["unread_count"] == 0
    assert body["total_unread"] == api.get("/unread-count").get_json()["total_unread"] < before


@pytest.mark.parametrize("who, thread", [("customer_a", "vendor_customer"), ("admin", "admin_customer"),
                                         ("staff_a", "admin_vendor")])
def test_preferences(caller, marketplace, threads, who, thread):
    api = caller(getattr(marketplace, who))
    conversation_id = threads[thread].id
    response = api.put(f"/{conversation_id}/preferences", json={"email_notifications": False})
    assert response.status_code == 200
    assert response.get_json() == {"conversation_id": conversation_id, "email_notifications": False}
    assert api.get(f"/{conversation_id}").get_json()["email_notifications"] is False


def test_recipients_for_admin(caller, marketplace):
    admin = caller(marketplace.admin)
    vendors = admin.get("/recipients", query_string={"type": "vendor"})
    assert vendors.status_code == 200
    items = vendors.get_json()["items"]
    assert {"Sara A", "Bea B"} <= {item["name"] for item in items}
    assert set(items[0]) == {"type", "id", "name", "email", "vendor"}
    customers = admin.get("/recipients", query_string={"type": "customer", "q": "cleo"}).get_json()["items"]
    assert [(c["name"], c["vendor"]["name"]) for c in customers] == [("Cleo Customer", "Shop B")]


def test_recipients_for_vendor_are_their_customers(caller, marketplace):
    staff = caller(marketplace.staff_a)
    names = {c["name"] for c in staff.get("/recipients", query_string={"type": "customer"}).get_json()["items"]}
    assert names == {"Cora Customer", "Cid Customer"}
    refused = staff.get("/recipients", query_string={"type": "vendor"})
    assert refused.status_code == 422 and error_of(refused)["code"] == "validation_error"
    limited = staff.get("/recipients", query_string={"type": "customer", "limit": 1}).get_json()["items"]
    assert len(limited) == 1


def test_recipients_refused_to_customers(caller, marketplace):
    response = caller(marketplace.customer_a).get("/recipients", query_string={"type": "vendor"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_vendor_user_of_two_shops_acts_for_the_one_in_the_token(caller, marketplace, threads, service):
    start_b = service.create_conversation(
        marketplace.staff_b, conversation_type=ConversationType.VENDOR_CUSTOMER, subject="At B",
        recipient_type=marketplace.customer_b.type, recipient_id=marketplace.customer_b.id, initial_message="Hi",
    )
    in_a = {i["subject"] for i in caller(marketplace.multi_in_a).get().get_json()["items"]}
    in_b = {i["subject"] for i in caller(marketplace.multi_in_b).get().get_json()["items"]}
    assert in_a == {"Your order", "Fees for A"} and in_b == {"At B"}
    assert caller(marketplace.multi_in_a).get(f"/{start_b.id}").status_code == 404
