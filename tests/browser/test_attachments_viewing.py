"""Attachments (issue 12): thumbnails are small, an image opens large in a dialog, a PDF in a new tab."""
import pytest
from playwright.sync_api import expect

from messaging.models import ConversationType
from tests.browser.browser_support import Backstage, png_file, sign_in_staff, unique
from tests.browser.inbox_ux_support import VIEWPORTS, strict_screenshot

PDF = {"name": "price-list.pdf", "mimeType": "application/pdf",
       "buffer": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"}


@pytest.fixture(params=list(VIEWPORTS))
def width(request):
    return request.param


def test_an_image_opens_large_in_a_dialog_and_a_pdf_in_a_new_tab(open_session, live_server, width):
    backstage = Backstage(live_server)
    conversation_id = backstage.start(backstage.staff("gina@greengrocer.test"), ConversationType.VENDOR_CUSTOMER,
                                      backstage.customer("chris@example.test", "green-grocer"), unique("Look at this"))
    session = open_session(viewport=VIEWPORTS[width])
    page = session.new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{conversation_id}")
    page.get_by_label("Your reply").fill("The crate and the prices")
    page.locator("#reply-attachments").set_input_files([png_file("crate.png"), PDF])
    expect(page.locator(".picked-files__name")).to_have_text(["crate.png", "price-list.pdf"])
    page.get_by_role("button", name="Send").click()
    message = page.locator("#thread-messages .message").filter(has_text="The crate and the prices")
    thumbnail = message.locator("img.attachment__thumb")
    expect(thumbnail).to_have_js_property("naturalWidth", 112)  # the thumbnail, not the picture

    message.locator("a[data-image-dialog]").click()
    viewer = page.locator("dialog.image-viewer")
    expect(viewer).to_be_visible()
    expect(viewer.locator("img")).to_have_js_property("naturalWidth", 48)  # the original picture
    expect(viewer.get_by_role("button", name="Close")).to_be_focused()
    strict_screenshot(page, f"image-dialog-{width}")
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(message.locator("a[data-image-dialog]")).to_be_focused()

    with session.context.expect_page() as new_tab:
        message.locator(".attachment__link", has_text="price-list.pdf").click()
    tab = new_tab.value
    tab.wait_for_load_state()
    assert tab.url.endswith("?inline=1")
    tab.close()
