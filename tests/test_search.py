"""Full-text search (issue 12): message text, subjects, people and shop names, inside each role's scope."""
from sqlalchemy import update

from messaging.extensions import db
from messaging.models import ConversationType, Vendor
from messaging.services.conversations import ListFilters
from messaging.services.search import CHUNK_MESSAGES
from tests.factories import start


def found(service, principal, search: str) -> list[str]:
    return [c.subject for c in service.list_conversations(principal, ListFilters(search=search)).items]


def test_words_of_messages_subjects_people_and_shops_are_found(service, marketplace):
    m = marketplace
    order = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Your order",
                  text="The courier comes on Tuesday")
    service.send_message(m.customer_a, order.id, "Please ring the doorbell twice")
    start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_b, "Fees", text="About the commission")

    assert found(service, m.staff_a, "doorbell") == ["Your order"]          # a later message
    assert found(service, m.staff_a, "courier tuesday") == ["Your order"]   # all words, any order
    assert found(service, m.staff_a, "DOORB") == ["Your order"]             # prefix, any case
    assert found(service, m.staff_a, "doorbell wednesday") == []
    assert found(service, m.admin, "commission") == ["Fees"]
    assert found(service, m.admin, "shop b") == ["Fees"]                     # the shop's name
    assert found(service, m.admin, "bea") == ["Fees"]                        # a participant
    assert found(service, m.staff_a, "cora customer") == ["Your order"]
    assert found(service, m.staff_a, "order") == ["Your order"]             # the subject


def test_search_stays_inside_the_callers_scope(service, marketplace):
    m = marketplace
    start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "At A", text="secret pickle recipe")
    start(service, m.staff_b, ConversationType.VENDOR_CUSTOMER, m.customer_b, "At B", text="another pickle")
    start(service, m.admin, ConversationType.ADMIN_CUSTOMER, m.customer_a, "Admin note", text="pickle audit")
    assert found(service, m.staff_a, "pickle") == ["At A"]
    assert found(service, m.staff_b, "pickle") == ["At B"]
    assert sorted(found(service, m.customer_a, "pickle")) == ["Admin note", "At A"]
    assert found(service, m.customer_a2, "pickle") == []
    assert found(service, m.admin, "pickle") == ["Admin note"]   # admins do not see shop-customer threads


def test_the_index_follows_new_messages_participants_and_renamed_shops(service, marketplace):
    m = marketplace
    thread = start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_a, "Later")
    assert found(service, m.admin, "zeppelin") == []
    service.send_message(m.staff_a, thread.id, "A zeppelin arrived")
    assert found(service, m.admin, "zeppelin") == ["Later"]
    assert found(service, m.admin, "sven") == []
    service.send_message(m.staff_a2, thread.id, "Me too")  # Sven joins by replying
    assert found(service, m.admin, "sven") == ["Later"]
    db.session.execute(update(Vendor).where(Vendor.id == m.vendor_a.id).values(name="Renamed Greengrocer"))
    db.session.commit()
    assert found(service, m.admin, "greengrocer") == ["Later"]


def test_punctuation_alone_finds_nothing_and_query_syntax_is_plain_text(service, marketplace):
    m = marketplace
    start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Quotes", text='He said "NEAR" OR AND *')
    assert found(service, m.staff_a, '"*') == []
    assert found(service, m.staff_a, 'near" OR') == ["Quotes"]
    assert found(service, m.staff_a, "and*:") == ["Quotes"]


def test_search_queries_do_not_grow_with_the_matches(service, marketplace, count_queries):
    m = marketplace

    def make(count):
        for number in range(count):
            thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, f"Box {number}")
            service.send_message(m.customer_a, thread.id, "where is the parcel")

    def queries():
        service.list_conversations(m.staff_a, ListFilters(search="parcel", per_page=100))
        with count_queries() as counter:
            page = service.list_conversations(m.staff_a, ListFilters(search="parcel", per_page=100))
        return counter.count, len(page.items)

    make(5)
    few, shown_few = queries()
    make(30)
    many, shown_many = queries()
    assert (shown_few, shown_many) == (5, 35) and few == many


def test_a_long_thread_is_found_by_words_from_anywhere_in_it(service, marketplace):
    """Its messages are indexed in chunks (services/search.py): words of different chunks still find it together."""
    m = marketplace
    long = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Kitchen refit",
                 text="The walnut worktop is on its way")
    for number in range(2, 3 * CHUNK_MESSAGES + 3):
        service.send_message(m.customer_a if number % 2 else m.staff_a, long.id, f"Update {number} on the delivery")
    service.send_message(m.customer_a, long.id, "The marble sink arrived cracked")
    start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Short one", text="walnut shelf")
    # Later, someone joins: every chunk learns their name.
    service.send_message(m.staff_a2, long.id, "Sven here, I will send a new sink")

    assert found(service, m.staff_a, "marble") == ["Kitchen refit"]                         # the last chunk
    assert found(service, m.staff_a, "walnut marble") == ["Kitchen refit"]                  # first and last chunks
    assert found(service, m.staff_a, "refit marble cracked") == ["Kitchen refit"]           # subject and last chunk
    assert sorted(found(service, m.staff_a, "walnut")) == ["Kitchen refit", "Short one"]
    assert found(service, m.staff_a, "walnut shelf") == ["Short one"]
    assert found(service, m.staff_a, "walnut granite") == []
    assert found(service, m.staff_a, "sven worktop") == ["Kitchen refit"]
    assert found(service, m.staff_b, "walnut marble") == []                                 # another shop
