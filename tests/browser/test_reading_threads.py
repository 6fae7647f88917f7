"""Reading long threads: open at what is new, jump to the latest, page back, day separators (issue 12)."""
import re

import pytest
from playwright.sync_api import expect

from messaging.services import messaging_service
from messaging.unit_of_work import committed
from tests.browser.browser_support import POLL_SECONDS, Backstage, sign_in_customer, sign_in_staff
from tests.browser.inbox_ux_support import VIEWPORTS, in_viewport, long_thread, strict_screenshot
from tests.browser.live_server import start_live_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """These tests pin the polling path, the fallback every page keeps (the push is pinned by
    tests/browser/test_live_delivery.py): pages here do not connect to their live stream."""
    server = start_live_server(tmp_path_factory.mktemp("polling"), poll_seconds=POLL_SECONDS, live=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def thread_id(live_server):
    return long_thread(live_server, "Weekly vegetable box, all season", count=120, unread=5)


@pytest.fixture(params=list(VIEWPORTS))
def width(request):
    return request.param


def open_as_chris(session, thread_id):
    page = session.new_page()
    sign_in_customer(page, "chris@example.test", "Green Grocer")
    page.goto("/shop/account/messages")
    link = page.locator(".conversation__link", has_text="Weekly vegetable box")
    return page, link


def test_a_thread_opens_at_the_first_unread_message_with_javascript(open_session, live_server, thread_id, width):
    backstage = Backstage(live_server)
    chris = backstage.customer("chris@example.test", "green-grocer")
    gina = backstage.staff("gina@greengrocer.test")
    # Exactly three unread for this run.
    with live_server.app.app_context(), committed():
        messaging_service().mark_conversation_read(chris, thread_id)
    for number in range(1, 4):
        backstage.send(gina, thread_id, f"Another update {width} {number}")
    unread_before = backstage.unread(chris)
    page, link = open_as_chris(open_session(viewport=VIEWPORTS[width]), thread_id)
    link.click()
    divider = page.locator("#first-unread")
    expect(divider).to_have_text("New")
    # The divider sits just above the first of the three unread messages, and is on screen.
    expect(page.locator("#first-unread + li")).to_contain_text(f"Another update {width} 1")
    page.wait_for_function("() => document.getElementById('first-unread').getBoundingClientRect().top < window.innerHeight / 2")
    assert in_viewport(page, "#first-unread")
    strict_screenshot(page, f"thread-opens-at-new-{width}")
    assert backstage.unread(chris) == unread_before - 3

    # Reopened later with nothing unread: at the newest message, no divider, the reply box on screen.
    page.goto("/shop/account/messages")
    page.locator(".conversation__link", has_text="Weekly vegetable box").click()
    expect(page.locator("#thread-subject")).to_be_visible()
    expect(page.locator("#first-unread")).to_have_count(0)
    page.wait_for_function("() => !document.querySelector('[data-jump-latest]') || document.querySelector('[data-jump-latest]').hidden")
    assert in_viewport(page, "#thread-messages > li.message:nth-last-child(2)")
    assert in_viewport(page, "#reply-content")


def test_staff_open_at_the_newest_message_on_the_split_panel(open_session, thread_id, width):
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.locator(".conversation__link", has_text="Weekly vegetable box").click()
    expect(page.locator("#thread-subject")).to_be_focused()
    expect(page.locator("#first-unread")).to_have_count(0)
    expect(page.locator("[data-jump-latest]")).to_be_hidden()
    assert in_viewport(page, "#thread-messages > li.message:nth-last-child(2)")
    strict_screenshot(page, f"thread-120-messages-staff-{width}")


def test_jump_to_latest_appears_while_reading_older_messages_and_counts_arrivals(
        open_session, live_server, thread_id, width):
    backstage = Backstage(live_server)
    gina = backstage.staff("gina@greengrocer.test")
    page, link = open_as_chris(open_session(viewport=VIEWPORTS[width]), thread_id)
    link.click()
    expect(page.locator("#thread-subject")).to_be_visible()
    jump = page.locator("[data-jump-latest]")
    page.locator("#thread-messages .message").nth(40).scroll_into_view_if_needed()
    expect(jump).to_be_visible()
    expect(jump).to_have_text(re.compile("Jump to latest"))

    backstage.send(gina, thread_id, f"Arrived while reading {width}")
    expect(jump).to_have_text(re.compile("1 new message below"))
    strict_screenshot(page, f"thread-jump-to-latest-{width}")
    # Tapped where it floats (a locator click would first scroll it to its place in the page).
    box = jump.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(jump).to_be_hidden()
    assert in_viewport(page, "#thread-messages > li.message:nth-last-child(2)")
    expect(page.locator("#thread-messages > li.message").last).to_contain_text(f"Arrived while reading {width}")


def test_earlier_messages_page_back_to_the_first_one(open_session, thread_id, width):
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{thread_id}")
    messages = page.locator("#thread-messages > li.message")
    expect(messages).to_have_count(100)
    first_shown = messages.first.inner_text()
    page.get_by_role("link", name="Earlier messages").click()
    expect(page.get_by_role("link", name="Earlier messages")).to_have_count(0)
    count = messages.count()
    assert count > 100
    expect(messages.first).to_contain_text("Message 1")
    # What the reader was looking at stays put; the day separators are not repeated at the seam.
    assert in_viewport(page, f"#thread-messages > li.message:nth-child({page.evaluate('''() => [...document.querySelectorAll('#thread-messages > li')].findIndex(li => li.classList.contains('message') && li.innerText.includes(%r)) + 1''' % first_shown.splitlines()[-1])})")
    days = page.locator(".divider--day").all_inner_texts()
    # How many days the thread spans depends on the hour it was made (around midnight, one more).
    assert len(days) == len(set(days)) >= 3
    assert days[-2:] == ["Yesterday", "Today"]
    # The list of 120+ messages scrolls by keyboard too (axe: scrollable-region-focusable).
    strict_screenshot(page, f"thread-earlier-messages-{width}")


def test_without_javascript_links_land_on_the_first_unread_and_page_back(open_session, live_server, thread_id, width):
    backstage = Backstage(live_server)
    gina = backstage.staff("gina@greengrocer.test")
    backstage.send(gina, thread_id, f"No-script news {width}")
    session = open_session(javascript=False, viewport=VIEWPORTS[width])
    page, link = open_as_chris(session, thread_id)
    assert link.get_attribute("href").endswith("#first-unread")
    link.click()
    expect(page.locator("#first-unread + li")).to_contain_text(f"No-script news {width}")
    assert in_viewport(page, "#first-unread")
    page.screenshot(path=f"tests/screenshots/thread-opens-at-new-no-js-{width}.png")

    page.goto("/shop/account/messages")
    link = page.locator(".conversation__link", has_text="Weekly vegetable box")
    assert link.get_attribute("href").endswith("#latest")
    link.click()
    assert in_viewport(page, "#thread-messages > li.message:nth-last-child(2)")

    page.get_by_role("link", name="Earlier messages").click()
    expect(page).to_have_url(re.compile(r"\?before=\d+"))
    expect(page.locator("#thread-messages > li.message").first).to_contain_text("Message 1")
    expect(page.get_by_role("link", name="Back to the latest messages")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_message_times_read_as_relative_with_javascript_and_exact_without(open_session, live_server, thread_id,
                                                                           javascript):
    backstage = Backstage(live_server)
    gina = backstage.staff("gina@greengrocer.test")
    backstage.send(gina, thread_id, f"Times check {javascript}")
    page = open_session(javascript=javascript).new_page()
    sign_in_customer(page, "chris@example.test", "Green Grocer")
    page.goto(f"/shop/account/messages/{thread_id}")
    latest = page.locator(".message", has_text=f"Times check {javascript}").locator("time")
    if javascript:
        # Said by the browser's own Intl.RelativeTimeFormat ("now" in English); the exact time on hover.
        expect(latest).to_have_text(re.compile(r"^(now|\d+ sec\. ago)$"))
        expect(latest).not_to_have_attribute("title", re.compile("UTC"))
    else:
        expect(latest).to_have_text(re.compile(r"^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC$"))
