"""A refused upload is explained next to the reply form, with the text kept, with JavaScript on and off."""
import pytest
from playwright.sync_api import expect

from messaging.models import ConversationType
from tests.browser.browser_support import Backstage, screenshot, sign_in_staff, unique

EXECUTABLE = {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" + b"\0" * 200}


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_wrong_file_type_is_explained_keeping_the_text(open_session, live_server, javascript):
    backstage = Backstage(live_server)
    conversation_id = backstage.start(
        backstage.staff("gina@greengrocer.test"), ConversationType.VENDOR_CUSTOMER,
        backstage.customer("chris@example.test", "green-grocer"), unique("Wrong file"),
    )
    session = open_session(javascript=javascript)
    # The refusal answers 415, which Chromium logs as a failed resource: expected here, and only here.
    session.expected_errors.append("status of 415")
    page = session.new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{conversation_id}")
    page.get_by_label("Your reply").fill("Here is the installer")
    page.locator("#reply-attachments").set_input_files([EXECUTABLE])
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#reply-error")).to_contain_text("setup.exe is not an allowed file type")
    expect(page.get_by_label("Your reply")).to_have_value("Here is the installer")
    screenshot(page, f"vendor-thread-refused-upload-{'htmx' if javascript else 'no-js'}", javascript=javascript)
