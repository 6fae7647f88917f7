"""Writing all day (issue 12): drafts survive, failures are shown with a retry, files are checked and
listed before sending, an expired session signs in and comes back, and the keyboard gets around."""
import re

import pytest
from playwright.sync_api import expect

from messaging.models import ConversationType
from messaging.services import messaging_service
from messaging.unit_of_work import committed
from tests.browser.browser_support import (
    POLL_SECONDS,
    Backstage,
    png_file,
    sign_in_customer,
    sign_in_staff,
    unique,
    wait_until_htmx_settled,
)
from tests.browser.inbox_ux_support import VIEWPORTS, strict_screenshot
from tests.browser.live_server import start_live_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """These tests pin the polling path, the fallback every page keeps (the push is pinned by
    tests/browser/test_live_delivery.py): pages here do not connect to their live stream."""
    server = start_live_server(tmp_path_factory.mktemp("polling"), poll_seconds=POLL_SECONDS, live=False)
    yield server
    server.stop()

EXECUTABLE = {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" + b"\0" * 200}


@pytest.fixture(params=list(VIEWPORTS))
def width(request):
    return request.param


def new_thread(backstage, subject: str) -> int:
    return backstage.start(backstage.staff("gina@greengrocer.test"), ConversationType.VENDOR_CUSTOMER,
                           backstage.customer("chris@example.test", "green-grocer"), unique(subject))


def test_a_draft_survives_switching_reloading_and_a_colleague_closing_and_reopening(open_session, live_server, width):
    backstage = Backstage(live_server)
    gary = backstage.staff("gary@greengrocer.test")
    first, second = new_thread(backstage, "Draft one"), new_thread(backstage, "Draft two")
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{first}")
    reply = page.get_by_label("Your reply")
    reply.fill("Half-written answer about the delivery")

    page.goto(f"/vendor/messages/{second}")
    expect(reply).to_have_value("")  # each conversation has its own draft
    page.go_back()
    expect(page.get_by_label("Your reply")).to_have_value("Half-written answer about the delivery")
    page.reload()
    expect(page.get_by_label("Your reply")).to_have_value("Half-written answer about the delivery")

    # A colleague closes it: the panel refreshes (no reply form while closed) ...
    with live_server.app.app_context(), committed():
        messaging_service().close_conversation(gary, first)
    expect(page.locator(".closed-notice")).to_be_visible(timeout=5000)
    # ... and reopens it: the draft is back in the form of the refreshed panel.
    with live_server.app.app_context(), committed():
        messaging_service().reopen_conversation(gary, first)
    expect(page.get_by_label("Your reply")).to_have_value("Half-written answer about the delivery", timeout=5000)
    strict_screenshot(page, f"draft-kept-after-reopen-{width}")

    page.get_by_role("button", name="Send").click()
    expect(page.locator("#thread-messages .message").last).to_contain_text("Half-written answer")
    expect(page.get_by_label("Your reply")).to_have_value("")
    page.reload()
    expect(page.get_by_label("Your reply")).to_have_value("")  # sent: the draft is gone


def test_a_poll_refresh_never_replaces_a_form_that_holds_files(open_session, live_server):
    backstage = Backstage(live_server)
    backstage.staff("gary@greengrocer.test")
    conversation_id = new_thread(backstage, "Files kept")
    page = open_session().new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{conversation_id}")
    page.get_by_label("Your reply").fill("With the photo")
    page.locator("#reply-attachments").set_input_files([png_file("crate.png")])
    # The poller sees a status it did not render and swaps the whole panel in.
    page.evaluate("""() => {
        const poller = document.getElementById('thread-poller');
        poller.setAttribute('hx-get', poller.getAttribute('hx-get').replace('status=open', 'status=closed'));
        htmx.process(poller);
    }""")
    page.wait_for_function("() => document.getElementById('thread-poller').getAttribute('hx-get').includes('status=open')",
                           timeout=5000)
    expect(page.get_by_label("Your reply")).to_have_value("With the photo")
    expect(page.locator(".picked-files__name")).to_have_text(["crate.png"])
    assert page.evaluate("document.getElementById('reply-attachments').files.length") == 1


def test_files_are_listed_removable_and_refused_in_the_browser_when_too_large(open_session, live_server, width):
    backstage = Backstage(live_server)
    conversation_id = new_thread(backstage, "Picked files")
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{conversation_id}")
    uploads = []
    page.on("request", lambda request: request.method == "POST" and uploads.append(request.url))
    # The limit the page was given (10 MB here) is lowered to 100 KB, so the test needs no 11 MB upload.
    page.locator("#reply-attachments").evaluate("input => input.setAttribute('data-max-bytes', '102400')")
    big = {"name": "huge-scan.png", "mimeType": "image/png", "buffer": b"\0" * (150 * 1024)}
    page.locator("#reply-attachments").set_input_files([big, png_file("small.png"), png_file("other.png")])
    expect(page.locator(".picked-files .field-error")).to_contain_text("huge-scan.png is 150 KB; files can be at most 100 KB")
    expect(page.locator(".picked-files__name")).to_have_text(["small.png", "other.png"])
    expect(page.locator(".picked-files__size").first).to_have_text(re.compile(r"\d+ B"))
    strict_screenshot(page, f"reply-picked-files-{width}")
    page.get_by_role("button", name="Remove other.png").click()
    expect(page.locator(".picked-files__name")).to_have_text(["small.png"])
    assert uploads == []  # nothing was sent for the refused file
    page.get_by_label("Your reply").fill("Only the small one")
    page.get_by_role("button", name="Send").click()
    message = page.locator("#thread-messages .message").filter(has_text="Only the small one")
    expect(message.locator(".attachment__name")).to_have_text(["small.png"])


def test_a_refused_send_keeps_the_text_and_the_files(open_session, live_server):
    backstage = Backstage(live_server)
    conversation_id = new_thread(backstage, "Refused keeps files")
    session = open_session()
    session.expected_errors.append("status of 415")
    page = session.new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{conversation_id}")
    page.get_by_label("Your reply").fill("Two files")
    page.locator("#reply-attachments").set_input_files([png_file("fine.png"), EXECUTABLE])
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#reply-error")).to_contain_text("setup.exe is not an allowed file type")
    expect(page.get_by_label("Your reply")).to_have_value("Two files")
    expect(page.locator(".picked-files__name")).to_have_text(["fine.png", "setup.exe"])
    page.get_by_role("button", name="Remove setup.exe").click()
    page.get_by_role("button", name="Send").click()
    message = page.locator("#thread-messages .message").filter(has_text="Two files")
    expect(message.locator(".attachment__name")).to_have_text(["fine.png"])


@pytest.mark.parametrize("failure", ["server-error", "network"])
def test_a_failed_send_says_so_at_the_form_and_retries(open_session, live_server, failure, width):
    backstage = Backstage(live_server)
    conversation_id = new_thread(backstage, "Failing send")
    session = open_session(viewport=VIEWPORTS[width])
    session.expected_errors += ["status of 500", "Error Code 500", "ERR_FAILED", "net::", "sendError", "htmx:afterRequest"]
    page = session.new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{conversation_id}")
    reply_url = re.compile(rf".*/vendor/messages/{conversation_id}/messages$")
    if failure == "server-error":
        page.route(reply_url, lambda route: route.fulfill(status=500, body="boom"))
    else:
        page.route(reply_url, lambda route: route.abort("failed"))
    page.get_by_label("Your reply").fill("Does this arrive?")
    page.get_by_role("button", name="Send").click()
    failure_box = page.locator("#reply-form .request-failed")
    expect(failure_box).to_contain_text("error 500" if failure == "server-error" else "Could not reach the server")
    expect(page.get_by_label("Your reply")).to_have_value("Does this arrive?")
    strict_screenshot(page, f"reply-failed-{failure}-{width}")
    page.unroute(reply_url)
    failure_box.get_by_role("button", name="Try again").click()
    expect(page.locator("#thread-messages .message").last).to_contain_text("Does this arrive?")
    expect(failure_box).to_have_count(0)


def test_an_expired_session_signs_in_and_comes_back_to_the_page(open_session, live_server):
    backstage = Backstage(live_server)
    conversation_id = new_thread(backstage, "Expired session")
    session = open_session()
    session.expected_errors.append("status of 401")
    page = session.new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{conversation_id}")
    page.get_by_label("Your reply").fill("Written before lunch")
    session.context.clear_cookies()
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("Email", exact=True).fill("gina@greengrocer.test")
    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/vendor/messages/{conversation_id}$"))
    # And the draft is still there to send.
    expect(page.get_by_label("Your reply")).to_have_value("Written before lunch")


def test_an_expired_session_without_javascript_signs_in_and_comes_back(open_session, live_server):
    backstage = Backstage(live_server)
    conversation_id = new_thread(backstage, "Expired, no script")
    session = open_session(javascript=False)
    page = session.new_page()
    sign_in_customer(page, "chris@example.test", "Green Grocer")
    page.goto(f"/shop/account/messages/{conversation_id}")
    session.context.clear_cookies()
    page.get_by_label("Your reply").fill("Hello?")
    page.get_by_role("button", name="Send").click()
    expect(page).to_have_url(re.compile(r"/shop/login\?next="))
    expect(page.get_by_text("The form expired")).to_have_count(0)


def test_keyboard_opens_moves_and_sends(open_session, live_server):
    backstage = Backstage(live_server)
    new_thread(backstage, "Keyboard one")
    page = open_session().new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    links = page.locator("[data-conversation-link]")
    wait_until_htmx_settled(page)  # a list just refreshed by polling is wired up once it settles
    links.first.focus()
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(links.first).to_be_focused()
    page.keyboard.press("Enter")
    heading = page.locator("#thread-subject")
    expect(heading).to_be_focused()
    first_subject = heading.inner_text()
    page.keyboard.press("j")
    expect(heading).not_to_have_text(first_subject)
    expect(page.locator("#thread-subject")).to_be_focused()
    second_subject = page.locator("#thread-subject").inner_text()
    page.keyboard.press("k")
    expect(page.locator("#thread-subject")).to_have_text(first_subject)
    page.keyboard.press("j")
    expect(page.locator("#thread-subject")).to_have_text(second_subject)
    wait_until_htmx_settled(page)

    page.get_by_label("Your reply").fill("Sent with the keyboard")
    page.get_by_label("Your reply").press("Control+Enter")
    expect(page.locator("#thread-messages .message").last).to_contain_text("Sent with the keyboard")
    expect(page.get_by_label("Your reply")).to_be_focused()

    close = page.get_by_role("button", name="Close conversation")
    close.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Reopen conversation")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Close conversation")).to_be_focused()


def _contrast(first: str, second: str) -> float:
    def luminance(css: str) -> float:
        channels = [int(value) / 255 for value in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_focus_ring_contrasts_three_to_one_on_light_and_dark(open_session):
    page = open_session().new_page()
    sign_in_staff(page, "sam@marketplace-partners.test", "Green Grocer")
    checks = {"#filter-q": "rgb(255, 255, 255)", ".conversation__link": "rgb(255, 255, 255)",
              "#vendor-switch": "rgb(17, 24, 39)", ".messages-link": "rgb(17, 24, 39)"}
    for selector, background in checks.items():
        page.locator(selector).first.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        ring = page.evaluate("""(selector) => {
            const style = getComputedStyle(document.activeElement);
            return {color: style.outlineColor, width: parseFloat(style.outlineWidth), style: style.outlineStyle,
                    same: document.activeElement === document.querySelector(selector)};
        }""", selector)
        assert ring["same"], selector
        assert ring["style"] == "solid" and ring["width"] >= 2, (selector, ring)
        assert _contrast(ring["color"], background) >= 3, (selector, ring)


def test_the_tab_title_carries_the_unread_count(open_session, live_server):
    backstage = Backstage(live_server)
    alice, tom = backstage.staff("admin@marketplace.test"), backstage.staff("tom@techhub.test")
    conversation_id = backstage.start(alice, ConversationType.ADMIN_VENDOR, tom, unique("Title count"))
    backstage.send(tom, conversation_id, "An answer")
    count = backstage.unread(alice)
    page = open_session().new_page()
    sign_in_staff(page, "admin@marketplace.test")
    expect(page).to_have_title(re.compile(rf"^\({count}\) Messages"))
    backstage.send(tom, conversation_id, "Another answer")
    expect(page).to_have_title(re.compile(rf"^\({count + 1}\) Messages"), timeout=5000)
