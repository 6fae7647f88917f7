"""The "Email settings" page of every role: full page or fragment, saving the default, and who may open it."""
from messaging.notifications.preferences import emails_about_new_conversations
from tests.web.page_support import is_full_page

HTMX = {"HX-Request": "true"}


def test_every_role_sets_its_default_for_new_conversations(signed_in):
    url = signed_in.url("/email-settings")
    page = signed_in.client.get(url)
    assert page.status_code == 200 and is_full_page(page)
    assert "Email me about new conversations" in page.text and " checked" in page.text
    # The layout links to it.
    assert f'href="{url}"' in signed_in.client.get(signed_in.url()).text

    saved = signed_in.client.post(url, data={})  # the checkbox left unticked
    assert saved.status_code == 302 and saved.headers["Location"] == url
    assert emails_about_new_conversations(signed_in.principal) is False
    assert "new conversations start with email off" in signed_in.client.get(url).text

    fragment = signed_in.client.post(url, data={"email_new_conversations": "on"}, headers=HTMX)
    assert fragment.status_code == 200 and not is_full_page(fragment)
    assert 'id="email-settings-form"' in fragment.text and "Saved" in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    assert emails_about_new_conversations(signed_in.principal) is True


def test_another_role_or_a_stranger_cannot_open_it(app, customer_client):
    assert customer_client.get("/admin/messages/email-settings").status_code == 403
    stranger = app.test_client().get("/vendor/messages/email-settings")
    assert stranger.status_code == 302 and "/login" in stranger.headers["Location"]
