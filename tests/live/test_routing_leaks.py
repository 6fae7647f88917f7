"""Every scope crossing, for page streams and API streams: each stream gets exactly the events
of conversations its owner may see (the pages' own rule decides what "may see" means here),
a read reaches only the reader's own streams, and the replay after Last-Event-ID says the same."""
from collections import Counter

import pytest
import requests

from messaging.extensions import db
from messaging.models import ConversationType
from messaging.services import messaging_service
from messaging.services.errors import NotFound
from tests.factories import PASSWORD, build_marketplace, start
from tests.live.live_support import CommittingService, StreamReader, serve, token_for


@pytest.fixture
def server(tmp_path):
    server = serve(tmp_path)
    yield server
    server.stop()


def page_session(base_url: str, login_path: str, form: dict) -> requests.Session:
    browser = requests.Session()
    answer = browser.post(f"{base_url}{login_path}", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    return browser


def sees(principal, conversation_id: int) -> bool:
    try:
        messaging_service().get_conversation(principal, conversation_id)
        return True
    except NotFound:
        return False
    finally:
        db.session.rollback()


def test_every_stream_gets_exactly_what_its_owner_may_see(server):
    base = server.url
    with server.app.app_context():
        m = build_marketplace()
    staff = {m.admin: "admin@test.example", m.admin2: "admin2@test.example", m.staff_a: "staff@a.example",
             m.staff_a2: "staff2@a.example", m.staff_b: "staff@b.example"}
    customers = {m.customer_a: ("cust@example", "shop-a"), m.customer_a2: ("cust2@example", "shop-a"),
                 m.customer_b: ("cust@example", "shop-b")}
    surface = {"admin": "admin", "vendor": "vendor", "customer": "shop"}
    pages = {"admin": "/admin/messages", "vendor": "/vendor/messages", "customer": "/shop/account/messages"}

    streams: list[tuple[str, object, StreamReader]] = []
    for principal, email in staff.items():
        browser = page_session(base, "/login", {"email": email, "password": PASSWORD})
        streams.append(("page", principal, StreamReader(f"{base}{pages[principal.type.value]}/stream",
                                                        cookies=browser.cookies)))
    for principal, (email, shop) in customers.items():
        browser = page_session(base, "/shop/login", {"email": email, "password": PASSWORD, "shop": shop})
        streams.append(("page", principal, StreamReader(f"{base}/shop/account/messages/stream", cookies=browser.cookies)))
    api_callers = [(m.admin, "admin@test.example", None), (m.staff_a, "staff@a.example", None),
                   (m.staff_b, "staff@b.example", None), (m.multi_in_a, "multi@example", "shop-a"),
                   (m.multi_in_b, "multi@example", "shop-b"), (m.customer_a, "cust@example", "shop-a"),
                   (m.customer_b, "cust@example", "shop-b")]
    for principal, email, vendor_code in api_callers:
        headers = token_for(base, email, PASSWORD, vendor_code)
        streams.append(("api", principal, StreamReader(
            f"{base}/api/v1/{surface[principal.type.value]}/messages/events", headers=headers)))
    for _, _, reader in streams:
        reader.open()
        assert reader.status == 200
    assert all(reader.ready.wait(5) for _, _, reader in streams)

    actions: list[tuple[str, int, object]] = []  # (event, conversation, reader for reads)
    with server.app.app_context():
        service = CommittingService()

        def started(sender, kind, recipient):
            conversation = start(service, sender, kind, recipient)
            actions.append(("conversation-started", conversation.id, None))
            return conversation.id

        def said(sender, conversation_id):
            service.send_message(sender, conversation_id, "A reply")
            actions.append(("message-posted", conversation_id, None))

        def read(reader, conversation_id):
            if service.mark_conversation_read(reader, conversation_id):
                actions.append(("conversation-read", conversation_id, reader))

        admin_vendor_a = started(m.admin, ConversationType.ADMIN_VENDOR, m.staff_a)
        said(m.staff_a, admin_vendor_a)
        service.close_conversation(m.admin, admin_vendor_a)
        service.reopen_conversation(m.admin, admin_vendor_a)
        actions += [("status-changed", admin_vendor_a, None)] * 2
        admin_customer_a = started(m.admin, ConversationType.ADMIN_CUSTOMER, m.customer_a)
        said(m.customer_a, admin_customer_a)
        vendor_customer_a = started(m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a)
        said(m.customer_a, vendor_customer_a)
        started(m.staff_a2, ConversationType.VENDOR_CUSTOMER, m.customer_a2)
        vendor_customer_b = started(m.staff_b, ConversationType.VENDOR_CUSTOMER, m.customer_b)
        admin_vendor_b = started(m.admin2, ConversationType.ADMIN_VENDOR, m.staff_b)
        said(m.multi_in_b, admin_vendor_b)
        read(m.customer_a, vendor_customer_a)
        read(m.staff_a, vendor_customer_a)
        read(m.admin, admin_vendor_a)
        read(m.admin, admin_customer_a)
        read(m.customer_b, vendor_customer_b)
        read(m.admin2, admin_vendor_b)
        read(m.staff_b, admin_vendor_b)
        assert len([a for a in actions if a[0] == "conversation-read"]) == 7

        expected = {}
        for index, (_, principal, _) in enumerate(streams):
            expected[index] = Counter(
                (name, conversation_id) for name, conversation_id, reader in actions
                if sees(principal, conversation_id) and (reader is None or reader == principal)
            )

    def received(reader):
        return Counter((event.name, event.data["conversation_id"])
                       for event in reader.events if event.id is not None)

    for index, (_, _, reader) in enumerate(streams):
        reader.wait_for(lambda r=reader, i=index: sum(received(r).values()) >= sum(expected[i].values()))
    for index, (kind, principal, reader) in enumerate(streams):
        reader.wait_for(lambda: False, timeout=0.3 if index else 1)  # room for a leak to show up
        assert received(reader) == expected[index], (kind, principal.type.value, principal.name, principal.vendor_id)
        assert expected[index], "every stream owner sees something, or the test proves little"
        reader.close()

    # A stream reconnecting from the start is replayed the same events, in order, and nothing else.
    for index, (kind, principal, reader) in enumerate(streams):
        replay = StreamReader(reader.url + "?after=0", headers=reader.headers, cookies=reader.cookies).open()
        assert replay.ready.wait(5)
        assert received(replay) == expected[index], ("replay", kind, principal.name)
        ids = [event.id for event in replay.events if event.id is not None]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        replay.close()

    # What the pages' rules say, spelled out for the crossings the issue names.
    named = {(kind, p.name, p.vendor_id): index for index, (kind, p, _) in enumerate(streams)}
    staff_b_page = expected[named[("page", m.staff_b.name, m.staff_b.vendor_id)]]
    assert all(conversation not in (admin_vendor_a, vendor_customer_a) for _, conversation in staff_b_page)
    customer_a2_page = expected[named[("page", m.customer_a2.name, m.customer_a2.vendor_id)]]
    assert all(conversation != vendor_customer_a for _, conversation in customer_a2_page)
    staff_a2_page = expected[named[("page", m.staff_a2.name, m.staff_a2.vendor_id)]]
    assert ("conversation-read", vendor_customer_a) not in staff_a2_page
    assert ("message-posted", vendor_customer_a) in staff_a2_page  # the team inbox: yes, the reads: no


def test_escalations_reach_every_admin_while_they_last_and_then_only_those_who_took_part(server):
    """decisions §7 for the live streams: the marketplace's admins see an escalated shop–customer
    conversation; once resolved, only the admin who took part still does."""
    base = server.url
    with server.app.app_context():
        m = build_marketplace()
    readers = {
        name: StreamReader(f"{base}/api/v1/{surface}/messages/events", headers=token_for(base, email, PASSWORD, code))
        for name, surface, email, code in [
            ("admin", "admin", "admin@test.example", None), ("admin2", "admin", "admin2@test.example", None),
            ("staff_a", "vendor", "staff@a.example", None), ("staff_b", "vendor", "staff@b.example", None),
            ("customer_a", "shop", "cust@example", "shop-a")]
    }
    for reader in readers.values():
        assert reader.open().ready.wait(5)
    with server.app.app_context():
        service = CommittingService()
        case = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a).id
        service.escalate(m.customer_a, case, "The parcel never came")
        service.send_message(m.admin, case, "Looking into it")  # the admin takes part
        service.resolve(m.admin, case)
        service.send_message(m.staff_a, case, "Refunded")

    def events(name):
        return [(event.name, event.data.get("escalated")) for event in readers[name].events
                if event.id is not None and event.data.get("conversation_id") == case]

    escalated, posted, resolved = ("status-changed", True), ("message-posted", None), ("status-changed", False)
    expected = {
        "admin": [escalated, posted, resolved, posted],  # took part: still sees it after the resolution
        "admin2": [escalated, posted, resolved],  # saw the escalation and its end, nothing after
        "staff_a": [("conversation-started", None), escalated, posted, resolved, posted],
        "customer_a": [("conversation-started", None), escalated, posted, resolved, posted],
        "staff_b": [],
    }
    for name, wanted in expected.items():
        readers[name].wait_for(lambda n=name, w=wanted: len(events(n)) >= len(w))
    readers["staff_b"].wait_for(lambda: False, timeout=0.5)  # room for a leak to show up
    for name, wanted in expected.items():
        assert events(name) == wanted, name
        readers[name].close()
