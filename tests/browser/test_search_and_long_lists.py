"""Searching (issue 12) and a long conversation list, at both widths, with axe at zero findings."""
import re

import pytest
from playwright.sync_api import expect

from messaging.models import ConversationType
from tests.browser.browser_support import Backstage, sign_in_staff, wait_until_htmx_settled
from tests.browser.inbox_ux_support import VIEWPORTS, in_viewport, strict_screenshot


@pytest.fixture(params=list(VIEWPORTS))
def width(request):
    return request.param


@pytest.fixture(scope="module")
def sixty(live_server):
    """Tom (Tech Hub) has 60 conversations; one of them has an old message about a lost charger."""
    backstage = Backstage(live_server)
    tom = backstage.staff("tom@techhub.test")
    dan, dora = backstage.customer("dan@example.test", "tech-hub"), backstage.customer("dora@example.test", "tech-hub")
    ids = []
    for number in range(60):
        ids.append(backstage.start(tom, ConversationType.VENDOR_CUSTOMER, dan if number % 2 else dora,
                                   f"Repair ticket {number:02d}", text=f"Ticket {number} opened"))
    backstage.send(dan, ids[11], "I think I left my zebra charger in the shop")
    for number in range(105):
        backstage.send(tom, ids[11], f"Status update {number}")
    return ids


def test_a_sixty_conversation_list(open_session, sixty, width):
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(page, "tom@techhub.test")
    page.goto("/vendor/messages?per_page=60")
    expect(page.locator("[data-conversation-link]")).to_have_count(60)
    strict_screenshot(page, f"vendor-list-60-conversations-{width}", full_page=True)


def test_search_finds_a_message_highlights_it_and_opens_the_thread_at_it(open_session, sixty, width):
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(page, "tom@techhub.test")
    wait_until_htmx_settled(page)
    page.get_by_label("Search messages, subjects and names").fill("zebra")
    result = page.locator("[data-conversation-link]")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text("zebra")
    strict_screenshot(page, f"search-results-{width}")
    result.click()
    found = page.locator(".message--found")
    expect(found).to_contain_text("I think I left my zebra charger in the shop")
    page.wait_for_function("() => { const r = document.querySelector('.message--found').getBoundingClientRect();"
                           " return r.top >= 0 && r.bottom <= window.innerHeight; }")
    assert in_viewport(page, ".message--found")
    strict_screenshot(page, f"search-opens-thread-at-match-{width}")
    page.get_by_role("link", name="Back to the latest messages").click()
    expect(page.locator("#thread-messages .message").last).to_contain_text("Status update 104")


def test_search_without_javascript(open_session, sixty, width):
    page = open_session(javascript=False, viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(page, "tom@techhub.test")
    page.get_by_label("Search messages, subjects and names").fill("zebra")
    page.get_by_role("button", name="Filter").click()
    result = page.locator("[data-conversation-link]")
    expect(result).to_have_count(1)
    result.click()
    expect(page).to_have_url(re.compile(r"\?before=\d+.*#message-\d+$"))
    message_id = page.url.rsplit("#", 1)[1]
    expect(page.locator(f"#{message_id}")).to_contain_text("I think I left my zebra charger")
    assert in_viewport(page, f"#{message_id}")
