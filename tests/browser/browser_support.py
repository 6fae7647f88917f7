"""What the browser tests do as people (sign in, attach a file) and set up behind the scenes (service calls)."""
import os
import re
import uuid
from pathlib import Path

from playwright.sync_api import expect

from messaging.demo_data import CUSTOMER_PASSWORD, STAFF_PASSWORD, solid_png
from messaging.models import ConversationType
from messaging.services import accounts, messaging_service
from messaging.unit_of_work import committed

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Short, so "arrives within one polling interval" is quick to wait for.
POLL_SECONDS = 1

PNG = solid_png(48, 32, (67, 56, 202))


def sign_in_staff(page, email: str, vendor_name: str | None = None) -> None:
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if vendor_name:
        page.get_by_label(vendor_name).check()
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/(admin|vendor)/messages$"))


def sign_in_customer(page, email: str, shop_name: str) -> None:
    page.goto("/shop/login")
    page.get_by_label("Shop", exact=True).select_option(label=shop_name)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(CUSTOMER_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/shop/account$"))


def png_file(name: str = "photo.png") -> dict:
    return {"name": name, "mimeType": "image/png", "buffer": PNG}


def badge_count(page) -> int:
    return int(page.locator("#unread-badge").get_attribute("data-count"))


def reply_with_attachment(page, text: str, filename: str):
    """Reply with an image; return the new message once it shows with its file and a loaded thumbnail."""
    page.get_by_label("Your reply").fill(text)
    page.locator("#reply-attachments").set_input_files([png_file(filename)])
    page.get_by_role("button", name="Send").click()
    message = page.locator("#thread-messages > li").filter(has_text=text)
    expect(message).to_have_count(1)
    expect(message.locator(".attachment__name")).to_have_text(filename)
    expect(message.locator(".attachment__meta")).to_contain_text("image/png")
    # The thumbnail really loaded, through the authorised download route: the 112 px one made at upload.
    expect(message.locator("img.attachment__thumb")).to_have_js_property("naturalWidth", 112)
    return message


def wait_until_htmx_settled(page) -> None:
    """htmx wires up swapped-in content when it settles; input typed before then fires no request.
    A person never types that fast, a test does."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def unique(subject: str) -> str:
    return f"{subject} {uuid.uuid4().hex[:6]}"


class Backstage:
    """Service calls made in the live app, for setting up what a test then does through the browser."""

    def __init__(self, live_server):
        self.app = live_server.app

    def staff(self, email: str, vendor_code: str | None = None):
        with self.app.app_context():
            return accounts.authenticate_staff(email, STAFF_PASSWORD, vendor_code).principal

    def customer(self, email: str, vendor_code: str):
        with self.app.app_context():
            return accounts.authenticate_customer(email, CUSTOMER_PASSWORD, vendor_code).principal

    def start(self, sender, kind: ConversationType, recipient, subject: str, text: str = "Hello from the test") -> int:
        with self.app.app_context(), committed():
            detail = messaging_service().create_conversation(
                sender, conversation_type=kind, subject=subject, recipient_type=recipient.type,
                recipient_id=recipient.id, vendor_id=recipient.vendor_id, initial_message=text,
            )
            return detail.id

    def send(self, sender, conversation_id: int, text: str) -> None:
        with self.app.app_context(), committed():
            messaging_service().send_message(sender, conversation_id, text)

    def unread(self, principal) -> int:
        with self.app.app_context():
            return messaging_service().get_unread_count(principal)

    def conversation_id(self, subject: str) -> int:
        from sqlalchemy import select

        from messaging.extensions import db
        from messaging.models import Conversation

        with self.app.app_context():
            return db.session.scalar(select(Conversation.id).where(Conversation.subject == subject))


# axe-core from the npm registry (`npm pack axe-core@4.14.1`, MPL-2.0), run on every screenshotted page.
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe-4.14.1.min.js"
AXE_FAILING_IMPACTS = ("serious", "critical")


def screenshot(page, name: str, full_page: bool = True, javascript: bool = True) -> None:
    """Save the page as tests/screenshots/NAME.png, and check it with axe while it is on screen.

    axe is JavaScript: in a context with JavaScript off it cannot run (the same markup is
    checked in the JavaScript-on screenshots).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
    if not javascript:
        return
    problems = accessibility_problems(page)
    assert not problems, f"Accessibility problems on {name}:\n" + "\n".join(problems)


def accessibility_problems(page, impacts=AXE_FAILING_IMPACTS) -> list[str]:
    """axe's findings of these impacts (all of them with ``impacts=None``)."""
    page.evaluate(AXE_SCRIPT.read_text())
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
    )
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
            for v in violations if impacts is None or v["impact"] in impacts]
