"""Bad input answers 400/422 (or 404/405/413 for routing and size) with the error envelope, never a 500 or HTML."""
import pytest

from tests.api.api_support import error_of


@pytest.fixture
def staff(caller, marketplace):
    return caller(marketplace.staff_a)


def valid_create(marketplace, **changes):
    body = {
        "conversation_type": "vendor_customer", "subject": "Hi", "recipient_type": "customer",
        "recipient_id": marketplace.customer_a.id, "initial_message": "Hello",
    }
    body.update(changes)
    return body


@pytest.mark.parametrize("raw", ["{", "[1, 2", "\xff\xfe", "{'single': 'quotes'}"])
def test_malformed_json_is_400(staff, raw):
    response = staff.post(data=raw, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid_json"


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"recipient_id": "7"}, "recipient_id"),
        ({"recipient_id": 1.5}, "recipient_id"),
        ({"recipient_id": -3}, "recipient_id"),
        ({"recipient_id": 10**30}, "recipient_id"),
        ({"subject": 12}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": ""}, "subject"),
        ({"conversation_type": "vendor_admin"}, "conversation_type"),
        ({"recipient_type": "robot"}, "recipient_type"),
        ({"initial_message": None}, "initial_message"),
        ({"initial_message": "x" * 10_001}, "initial_message"),
        ({"vendor_id": 0}, "vendor_id"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_wrong_types_and_values_are_422_naming_the_field(staff, marketplace, changes, field):
    response = staff.post(json=valid_create(marketplace, **changes))
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"], error


@pytest.mark.parametrize("body", [[], "text", 5, None])
def test_a_body_that_is_not_an_object_is_422(staff, body):
    import json

    response = staff.post(data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


@pytest.mark.parametrize(
    "query, field",
    [
        ({"page": 0}, "page"),
        ({"page": -1}, "page"),
        ({"page": 10**12}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": 101}, "per_page"),
        ({"per_page": 10**40}, "per_page"),
        ({"status": "archived"}, "status"),
        ({"conversation_type": "everything"}, "conversation_type"),
        ({"unread": "maybe"}, "unread"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_bad_list_parameters_are_422(staff, threads, query, field):
    response = staff.get(query_string=query)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]


@pytest.mark.parametrize("path", ["/-1", "/0", "/99999999999999999999", "/-5/messages", "/1/attachments/-2"])
def test_out_of_range_ids_in_the_path_are_422(staff, threads, path):
    method = "POST" if path.endswith("/messages") else "GET"
    response = staff.request(method, path, json={"content": "x"})
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


def test_out_of_range_before_is_422(staff, threads):
    response = staff.get(f"/{threads['vendor_customer'].id}", query_string={"before": -1})
    assert response.status_code == 422
    assert "before" in error_of(response)["fields"]


def test_recipients_need_a_known_type(staff):
    assert error_of(staff.get("/recipients"))["code"] == "validation_error"
    assert staff.get("/recipients", query_string={"type": "martian"}).status_code == 422
    assert staff.get("/recipients", query_string={"type": "customer", "limit": 51}).status_code == 422


def test_preferences_need_a_boolean(staff, threads):
    conversation_id = threads["vendor_customer"].id
    assert staff.put(f"/{conversation_id}/preferences", json={"email_notifications": "perhaps"}).status_code == 422
    assert staff.put(f"/{conversation_id}/preferences", json={}).status_code == 422


def test_send_json_content_must_be_a_string(staff, threads):
    response = staff.post(f"/{threads['vendor_customer'].id}/messages", json={"content": ["a"]})
    assert response.status_code == 422
    assert "content" in error_of(response)["fields"]


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/admin/messages/1/unknown", "/api/v2/admin/messages", "/api/"])
def test_unknown_api_routes_are_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("method, path", [("DELETE", "/api/v1/admin/messages"), ("GET", "/api/v1/auth/token"),
                                          ("PATCH", "/api/v1/shop/messages/1/read")])
def test_wrong_methods_are_json_405(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response.headers["Allow"]


def test_server_errors_are_json_without_a_traceback(app, staff, monkeypatch):
    from messaging.services.conversations import MessagingService

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(MessagingService, "list_conversations", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = staff.get("")
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error" and "secret" not in response.get_data(as_text=True)


def test_pages_outside_the_api_keep_their_own_errors(client):
    response = client.get("/definitely-not-a-page")
    assert response.status_code == 404
    assert not (response.is_json and "error" in response.get_json())
