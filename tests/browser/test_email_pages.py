"""The unsubscribe page (reached from an email, no sign-in) and the email settings page, JavaScript on and off."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from messaging.extensions import db
from messaging.models import ConversationParticipant, ConversationType
from messaging.notifications.preferences import emails_about_new_conversations, set_emails_about_new_conversations
from messaging.notifications.tokens import unsubscribe_token
from tests.browser.browser_support import Backstage, screenshot, sign_in_customer, unique


def carols_unsubscribe_link(backstage, conversation_id, carol) -> tuple[str, int]:
    with backstage.app.app_context():
        participant_id = db.session.scalar(select(ConversationParticipant.id).where(
            ConversationParticipant.conversation_id == conversation_id,
            ConversationParticipant.participant_type == carol.type,
            ConversationParticipant.participant_id == carol.id))
        return f"/email/unsubscribe/{unsubscribe_token(participant_id, conversation_id)}", participant_id


def emails_on(backstage, participant_id) -> bool:
    with backstage.app.app_context():
        return db.session.get(ConversationParticipant, participant_id).email_notifications


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_unsubscribe_from_an_email_link_then_change_the_default(open_session, live_server, javascript):
    backstage = Backstage(live_server)
    gina = backstage.staff("gina@greengrocer.test")
    carol = backstage.customer("carol@example.test", "green-grocer")
    subject = unique("Your delivery slot")
    conversation_id = backstage.start(gina, ConversationType.VENDOR_CUSTOMER, carol, subject)
    link, participant_id = carols_unsubscribe_link(backstage, conversation_id, carol)
    with backstage.app.app_context():
        set_emails_about_new_conversations(carol, True)
        db.session.commit()
    suffix = "" if javascript else "-nojs"

    # From the email, without signing in.
    page = open_session(javascript=javascript).new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Stop emails about this conversation?")).to_be_visible()
    expect(page.locator("#unsubscribe")).to_contain_text(subject)
    screenshot(page, f"email-unsubscribe{suffix}", javascript=javascript)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    screenshot(page, f"email-unsubscribed{suffix}", javascript=javascript)
    assert emails_on(backstage, participant_id) is False

    # Signed in: the settings page, linked from the shop's header.
    sign_in_customer(page, "carol@example.test", "Green Grocer")
    page.get_by_role("link", name="Email settings").click()
    checkbox = page.get_by_label("Email me about new conversations")
    expect(checkbox).to_be_checked()
    checkbox.uncheck()
    if javascript:
        expect(page.locator("#email-settings-form .saved")).to_have_text("Saved")
    else:
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_contain_text("new conversations start with email off")
    screenshot(page, f"email-settings{suffix}", javascript=javascript)
    page.reload()
    expect(page.get_by_label("Email me about new conversations")).not_to_be_checked()
    with backstage.app.app_context():
        assert emails_about_new_conversations(carol) is False
