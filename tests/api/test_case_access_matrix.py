"""decisions §7 as a matrix: every principal of the marketplace against a shop–customer conversation
never escalated, escalated, resolved, and escalated again; through the service, the JSON API and the pages.

No admin sees an unescalated conversation between a shop and its customer; no one outside it sees an
escalated one; an admin who took part keeps seeing it after it is resolved, the others do not.
"""
import pytest

from messaging.services.errors import NotFound
from tests.case_scenarios import AUDIENCE, EVERYONE, build_case
from tests.web.page_support import sign_in_customer, sign_in_staff

STATES = list(AUDIENCE)
# How each principal signs in on the pages: (staff email, vendor code) or (customer email, shop)
PAGE_SIGN_IN = {
    "admin": ("staff", "admin@test.example", None), "admin2": ("staff", "admin2@test.example", None),
    "staff_a": ("staff", "staff@a.example", None), "staff_a2": ("staff", "staff2@a.example", None),
    "staff_b": ("staff", "staff@b.example", None), "multi_in_a": ("staff", "multi@example", "shop-a"),
    "multi_in_b": ("staff", "multi@example", "shop-b"), "customer_a": ("customer", "cust@example", "shop-a"),
    "customer_a2": ("customer", "cust2@example", "shop-a"), "customer_b": ("customer", "cust@example", "shop-b"),
}
PAGE_PREFIX = {"admin": "/admin/messages", "vendor": "/vendor/messages", "customer": "/shop/account/messages"}


def _sees(service, principal, conversation_id) -> bool:
    try:
        service.get_conversation(principal, conversation_id)
    except NotFound:
        return False
    return True


@pytest.mark.parametrize("state", STATES)
def test_service_and_list_show_it_to_exactly_its_audience(service, marketplace, state):
    conversation_id = build_case(service, marketplace, state)
    for name in EVERYONE:
        principal = getattr(marketplace, name)
        expected = name in AUDIENCE[state]
        assert _sees(service, principal, conversation_id) == expected, (state, name)
        listed = {item.id for item in service.list_conversations(principal).items}
        assert (conversation_id in listed) == expected, (state, name)


@pytest.mark.parametrize("state", STATES)
def test_api_answers_404_outside_the_audience(caller, service, marketplace, state):
    conversation_id = build_case(service, marketplace, state)
    for name in EVERYONE:
        api = caller(getattr(marketplace, name))
        expected = name in AUDIENCE[state]
        assert api.get(f"/{conversation_id}").status_code == (200 if expected else 404), (state, name)
        page = api.get("?per_page=100").get_json()
        listed = {item["id"] for item in page["items"]}
        assert (conversation_id in listed) == expected, (state, name)
        assert page["total"] == len(page["items"]), (state, name)  # the total counts the same scope
        # Writing into it is as out of reach as reading it.
        if not expected:
            assert api.post(f"/{conversation_id}/messages", json={"content": "hi"}).status_code == 404


@pytest.mark.parametrize("state", STATES)
def test_pages_answer_404_outside_the_audience(app, service, marketplace, state):
    conversation_id = build_case(service, marketplace, state)
    for name in EVERYONE:
        kind, email, code = PAGE_SIGN_IN[name]
        client = app.test_client()
        if kind == "staff":
            sign_in_staff(client, email, code)
        else:
            sign_in_customer(client, email, code)
        prefix = PAGE_PREFIX[getattr(marketplace, name).type.value]
        expected = name in AUDIENCE[state]
        response = client.get(f"{prefix}/{conversation_id}")
        assert response.status_code == (200 if expected else 404), (state, name)
        listed = f'data-conversation-id="{conversation_id}"' in client.get(prefix).get_data(as_text=True)
        assert listed == expected, (state, name)


def test_what_each_side_may_do_while_escalated(caller, service, marketplace):
    """The table of decisions §7: reply, close/reopen, resolve, per principal."""
    m = marketplace
    conversation_id = build_case(service, m, "escalated")
    admin, vendor, customer = caller(m.admin), caller(m.staff_a), caller(m.customer_a)

    detail = admin.get(f"/{conversation_id}").get_json()
    assert (detail["can_reply"], detail["can_close"], detail["can_resolve"], detail["can_escalate"]) == (
        True, True, True, False)
    detail = vendor.get(f"/{conversation_id}").get_json()
    assert (detail["can_close"], detail["can_resolve"], detail["can_escalate"]) == (True, False, False)
    detail = customer.get(f"/{conversation_id}").get_json()
    assert (detail["can_close"], detail["can_resolve"], detail["can_escalate"]) == (False, False, False)

    assert customer.post(f"/{conversation_id}/close").status_code == 403
    assert customer.post(f"/{conversation_id}/resolve").status_code == 403
    assert vendor.post(f"/{conversation_id}/resolve").status_code == 403
    assert admin.post(f"/{conversation_id}/escalate", json={"reason": "me"}).status_code == 403

    for who in (admin, vendor, customer):
        assert who.post(f"/{conversation_id}/messages", json={"content": f"{who.role} writes"}).status_code == 201
    # All three sides see every message.
    for who in (admin, vendor, customer):
        contents = [item["content"] for item in who.get(f"/{conversation_id}").get_json()["messages"]]
        assert {"admin writes", "vendor writes", "shop writes"} <= set(contents)

    assert admin.post(f"/{conversation_id}/close").status_code == 200
    assert admin.post(f"/{conversation_id}/reopen").status_code == 200
    assert vendor.post(f"/{conversation_id}/close").status_code == 200
