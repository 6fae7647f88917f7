"""The list rows' values worked out in Python (messaging/web/conversation_rows.py), and the cheaper
printing helpers: each must give exactly what the template code it replaced gave."""
import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from messaging.clock import isoformat_utc
from messaging.extensions import db
from messaging.identity import Principal
from messaging.models import ConversationType, Customer, ParticipantType
from messaging.roles import ADMIN, CUSTOMER, VENDOR
from messaging.services.read_models import AttachmentInfo, ConversationContext, ParticipantRef, VendorRef
from messaging.web.bidi import BIDI_CONTROLS, bidi_safe
from messaging.web.conversation_rows import ROW_TEMPLATE, ConversationRow, ThreadLinks
from messaging.web.counterparts import counterpart_name
from messaging.web.forms import ListQuery
from messaging.web.humanize import time_tag
from messaging.web.printed_once import printed
from messaging.web.thread_items import PrintedMessage, printed_message
from tests.factories import start
from tests.web.page_support import HTMX, ROLE_PREFIX, sign_in_customer, text_of

LIST_QUERIES = [
    ListQuery(),
    ListQuery(status="closed", page=3),
    ListQuery(type="vendor_customer", unread=True, escalated=True),
    ListQuery(q="refund & <b>\"quoted\"</b> 50% off/é?#x=1+2", per_page=50),
    ListQuery(q="2147483647", context_type="order", context_ref="GG 10042/ü"),
]


@pytest.mark.parametrize("pages", [ADMIN.pages, VENDOR.pages, CUSTOMER.pages], ids=lambda pages: pages.blueprint_name)
@pytest.mark.parametrize("list_query", LIST_QUERIES)
def test_thread_links_are_byte_for_byte_url_for(app, pages, list_query):
    with app.test_request_context():
        for list_args in (list_query.args(), list_query.args(page=2)):
            links = ThreadLinks(pages, list_args)
            for conversation_id, before in ((1, None), (42, None), (2147483647, None), (7, 12), (7, 2147483647)):
                assert links.href(conversation_id, before=before) == pages.url(
                    "thread", conversation_id=conversation_id, before=before, **list_args)


def _summary(conversation_type, participants, vendor=None):
    """Only what counterpart_name reads of a ConversationSummary."""
    return SimpleNamespace(conversation_type=conversation_type, participants=participants, vendor=vendor)


STAFF = Principal(ParticipantType.VENDOR, 5, "Gina", vendor_id=1)
CAROL = ParticipantRef(ParticipantType.CUSTOMER, 9, "Carol <Shopper>")
CHRIS = ParticipantRef(ParticipantType.CUSTOMER, 10, "Chris")
GINA = ParticipantRef(ParticipantType.VENDOR, 5, "Gina")


def test_counterpart_is_everyone_of_another_kind():
    conversation = _summary(ConversationType.VENDOR_CUSTOMER, [GINA, CAROL, CHRIS])
    assert counterpart_name(conversation, STAFF, VENDOR.pages) == "Carol <Shopper>, Chris"
    assert counterpart_name(_summary(ConversationType.VENDOR_CUSTOMER, [GINA]), STAFF, VENDOR.pages) == "—"


def test_customers_see_a_team_never_a_person():
    customer = Principal(ParticipantType.CUSTOMER, 9, "Carol", vendor_id=1)
    shop = _summary(ConversationType.VENDOR_CUSTOMER, [GINA, CAROL], vendor=VendorRef(1, "Green Grocer"))
    assert counterpart_name(shop, customer, CUSTOMER.pages) == "Green Grocer"
    assert counterpart_name(_summary(ConversationType.ADMIN_CUSTOMER, [CAROL]), customer, CUSTOMER.pages) \
        == "Marketplace team"


def test_counterpart_names_are_escaped_on_the_page(app, service, marketplace, vendor_client):
    db.session.get(Customer, marketplace.customer_a.id).full_name = "<img src=x onerror=alert(1)>"
    db.session.commit()
    conversation = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a)
    for url in (ROLE_PREFIX["vendor"], f"{ROLE_PREFIX['vendor']}/{conversation.id}"):
        page = text_of(vendor_client.get(url, headers=HTMX))
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("value", [
    "plain", "", "naïve café", "a\u202eb", "\u2066x\u2069\u200e\u200f\u061c",
    # As long as a page's rows printed as one value: searched another way than a short one.
    "<li>Ekström</li>" * 40, "<li>Ekström</li>" * 40 + "\u202egpj.exe", "\u2067" + "محمد " * 100,
])
def test_bidi_safe_removes_every_control_and_keeps_the_rest(value):
    cleaned = bidi_safe(value)
    assert cleaned == "".join(character for character in value if character not in BIDI_CONTROLS)
    assert isinstance(bidi_safe(Markup(value)), Markup)


def test_bidi_safe_leaves_what_is_not_text_alone():
    assert bidi_safe(3) == 3 and bidi_safe(None) is None


@pytest.mark.parametrize("moment", [datetime(2026, 1, 2, 3, 4, 5), datetime(2025, 11, 26, 14, 32), None])
def test_time_tag_is_what_markup_format_gave(moment):
    if moment is None:
        assert time_tag(moment) == Markup("")
        return
    expected = Markup('<time datetime="{0}" title="{1}" data-relative>{1}</time>').format(
        isoformat_utc(moment), moment.strftime("%-d %b %Y, %H:%M UTC"))
    assert time_tag(moment) == expected and isinstance(time_tag(moment), Markup)


def list_row(client, conversation_id: int) -> str:
    page = text_of(client.get("/vendor/messages", headers=HTMX))
    return re.search(rf'<li class="conversation[^"]*" data-conversation-id="{conversation_id}">.*?</li>', page,
                     re.DOTALL).group(0)


def test_a_printed_row_is_reused_only_while_what_it_shows_stays_the_same(vendor_client, service, marketplace, threads):
    """Rows are printed once for their values (messaging/web/printed_once.py): every change a list can
    show must reach the next poll."""
    conversation_id = threads["vendor_customer"].id
    first = list_row(vendor_client, conversation_id)
    assert list_row(vendor_client, conversation_id) == first
    service.send_message(marketplace.customer_a, conversation_id, "Where is my parcel?")
    after_message = list_row(vendor_client, conversation_id)
    assert "Where is my parcel?" in after_message and "conversation--unread" in after_message
    assert after_message != first
    service.close_conversation(marketplace.staff_a, conversation_id)
    closed = list_row(vendor_client, conversation_id)
    assert "chip--closed" in closed and "chip--closed" not in after_message
    service.mark_conversation_read(marketplace.staff_a, conversation_id)
    read = list_row(vendor_client, conversation_id)
    assert "conversation--unread" not in read and 'class="count"' not in read
    db.session.get(Customer, marketplace.customer_a.id).full_name = "Cora Renamed"
    db.session.commit()
    assert "Cora Renamed" in list_row(vendor_client, conversation_id)


@pytest.mark.parametrize("field_name", ConversationRow.__slots__)
def test_every_value_of_a_row_shows_in_its_markup(app, field_name):
    """Two rows that differ in any one value print differently: nothing a row holds is left out of
    its markup, and (the other way round) its markup is reused for equal rows only."""
    base = dict(id=7, unread_count=2, last_message_at=datetime(2026, 11, 26, 9, 30), subject="Parcel",
                preview="Where is it?", href="/vendor/messages/7", anchor="message-3", counterpart="Carol",
                type_chip="Customer", vendor_name="Green Grocer", is_open=True,
                context=ConversationContext("order", "GG-1", "Order GG-1", None), is_escalated=False,
                is_current=False)
    if field_name == "search":  # the words are marked in a search's match, shown instead of the preview
        base.update(match_content="parcel was late, the box was wet", search="parcel")
    changed = dict(id=8, unread_count=0, last_message_at=datetime(2026, 11, 26, 9, 31), subject="Refund",
                   preview="Thanks", href="/vendor/messages/7?status=open", anchor="latest", counterpart="Chris",
                   type_chip="Platform", vendor_name="Blue Bakery", is_open=False,
                   context=ConversationContext("order", "GG-2", "Order GG-2", None), is_escalated=True,
                   is_current=True, match_content="parcel came", search="box")
    with app.test_request_context():
        before = printed_rows_of([ConversationRow(**base)])
        after = printed_rows_of([ConversationRow(**{**base, field_name: changed[field_name]})])
    assert before != after


def printed_rows_of(rows) -> str:
    return "".join(printed(ROW_TEMPLATE, ("vendor_messages", row), row=row, pages=VENDOR.pages) for row in rows)


@pytest.mark.parametrize("field_name", PrintedMessage.__slots__)
def test_every_value_of_a_message_shows_in_its_markup(app, field_name):
    """Thread messages are printed once for their values too: each value changes the markup."""
    attachment = AttachmentInfo(3, 7, 11, "notes.csv", "text/csv", 2048, False)
    base = dict(id=11, conversation_id=7, sender_label="Carol", mine=False, created_at=datetime(2026, 11, 26, 9, 30),
                content="Where is my parcel?", is_system_message=False, attachments=(attachment,))
    changed = dict(id=12, conversation_id=8, sender_label="You", mine=True, created_at=datetime(2026, 11, 26, 9, 31),
                   content="It left today", is_system_message=True,
                   attachments=(AttachmentInfo(4, 7, 11, "photo.png", "image/png", 4096, True),))
    with app.test_request_context():
        before = printed_message(PrintedMessage(**base), VENDOR.pages)
        after = printed_message(PrintedMessage(**{**base, field_name: changed[field_name]}), VENDOR.pages)
    assert before != after


def message_with(html: str, text: str) -> str:
    return next(chunk for chunk in re.split(r'(?=<li class="message)', html) if text in chunk)


def test_a_message_reads_you_on_the_readers_own_messages_only(app, service, marketplace, threads, vendor_client):
    conversation_id = threads["vendor_customer"].id
    service.send_message(marketplace.staff_a, conversation_id, "Shipped this morning")
    staff_view = text_of(vendor_client.get(f"/vendor/messages/{conversation_id}", headers=HTMX))
    mine = message_with(staff_view, "Shipped this morning")
    assert "message--mine" in mine and '<span class="message__sender">You</span>' in mine
    customer = app.test_client()
    sign_in_customer(customer, "cust@example", "shop-a")
    customer_view = text_of(customer.get(f"/shop/account/messages/{conversation_id}", headers=HTMX))
    theirs = message_with(customer_view, "Shipped this morning")
    assert "message--mine" not in theirs and '<span class="message__sender">You</span>' not in theirs
