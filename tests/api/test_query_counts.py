"""Requests cost a constant number of queries however long the page is."""
import pytest

from messaging.extensions import db
from messaging.models import ConversationType
from tests.factories import start


def measured(count_queries, call):
    """Count one request's queries, starting like a real request: from an empty session."""
    db.session.remove()
    with count_queries() as counter:
        response = call()
    assert response.status_code == 200
    return counter, response.get_json()


def fill(service, marketplace, how_many):
    for number in range(how_many):
        customer = marketplace.customer_a if number % 2 else marketplace.customer_a2
        start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, customer, f"Order {number}")


@pytest.mark.parametrize("who", ["staff_a", "customer_a"])
def test_list_costs_the_same_for_20_and_100_conversations(caller, service, marketplace, count_queries, who):
    api = caller(getattr(marketplace, who))
    fill(service, marketplace, 20)
    small, page = measured(count_queries, lambda: api.get(query_string={"per_page": 10}))
    assert len(page["items"]) == 10
    fill(service, marketplace, 80)
    large, page = measured(count_queries, lambda: api.get(query_string={"per_page": 50}))
    assert len(page["items"]) == 50
    assert large.count == small.count, large.statements


def test_a_page_of_the_list_is_one_statement_with_its_participants_and_total(caller, service, marketplace,
                                                                             count_queries):
    """Signing in, then the page: its rows, each with its participants, and how many there are in all."""
    api = caller(marketplace.staff_a)
    fill(service, marketplace, 3)
    full, page = measured(count_queries, lambda: api.get(query_string={"per_page": 2}))
    fits, whole = measured(count_queries, lambda: api.get(query_string={"per_page": 50}))
    assert whole["total"] == len(whole["items"]) >= 3 and page["total"] == whole["total"]
    assert all(item["participants"] for item in whole["items"])
    assert full.count == fits.count == 2, fits.statements
    # A page past the last has no row to carry the total: it is counted apart.
    last, rest = measured(count_queries, lambda: api.get(query_string={"per_page": 2, "page": 2 + whole["total"] // 2}))
    assert rest["items"] == [] and rest["total"] == whole["total"]
    assert last.count == 3, last.statements


def test_detail_costs_the_same_for_short_and_long_threads(caller, service, marketplace, count_queries):
    thread = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a, "Long")
    api = caller(marketplace.customer_a)
    short, _ = measured(count_queries, lambda: api.get(f"/{thread.id}"))
    for number in range(60):
        service.send_message(marketplace.staff_a, thread.id, f"line {number}")
    long, detail = measured(count_queries, lambda: api.get(f"/{thread.id}"))
    assert len(detail["messages"]) == 61
    assert long.count == short.count
