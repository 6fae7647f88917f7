"""Every page and fragment, once per role: a plain request gets a full page, an htmx request the partial."""
import re

from messaging.extensions import db
from messaging.models import ConversationType
from messaging.services.platform_settings import ATTACHMENT_MAX_SIZE_MB, set_setting
from tests.factories import start, upload
from tests.sample_files import CSV, EXECUTABLE, PNG
from tests.web.page_support import BOOSTED, HTMX, file, is_full_page, text_of


def unread_for(service, principal) -> int:
    return service.get_unread_count(principal)


# ------------------------------------------------------------------ the list


def test_list_is_a_full_page_for_a_plain_request(signed_in):
    response = signed_in.client.get(signed_in.url())
    assert response.status_code == 200
    assert is_full_page(response)
    html = text_of(response)
    assert 'id="conversation-list"' in html and 'id="unread-badge"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_list_is_a_fragment_for_htmx_and_a_page_when_boosted(signed_in):
    fragment = signed_in.client.get(signed_in.url(), headers=HTMX)
    assert fragment.status_code == 200
    assert not is_full_page(fragment)
    assert text_of(fragment).lstrip().startswith('<div id="conversation-list"')
    assert "HX-Request" in fragment.headers["Vary"]
    assert is_full_page(signed_in.client.get(signed_in.url(), headers=BOOSTED))
    history_restore = {**HTMX, "HX-History-Restore-Request": "true"}
    assert is_full_page(signed_in.client.get(signed_in.url(), headers=history_restore))


def closer_for(signed_in, marketplace):
    """Someone allowed to close the role's conversation (customers cannot)."""
    return marketplace.admin if signed_in.role == "admin" else marketplace.staff_a


def test_list_filters_by_status(signed_in, service, marketplace):
    service.close_conversation(closer_for(signed_in, marketplace), signed_in.conversation_id)
    closed = text_of(signed_in.client.get(signed_in.url("?status=closed"), headers=HTMX))
    opened = text_of(signed_in.client.get(signed_in.url("?status=open"), headers=HTMX))
    assert f'data-conversation-id="{signed_in.conversation_id}"' in closed
    assert f'data-conversation-id="{signed_in.conversation_id}"' not in opened


def test_list_shows_unread_badges(signed_in):
    html = text_of(signed_in.client.get(signed_in.url()))
    item = re.search(rf'data-conversation-id="{signed_in.conversation_id}".*?</li>', html, re.S).group(0)
    assert "conversation--unread" in html
    assert '<span class="count">1<span class="visually-hidden"> unread</span></span>' in item


# ------------------------------------------------------------------ the thread


def test_thread_is_a_full_page_and_opening_it_marks_it_read(signed_in, service):
    assert unread_for(service, signed_in.principal) >= 1
    before = unread_for(service, signed_in.principal)
    response = signed_in.client.get(signed_in.url(f"/{signed_in.conversation_id}"))
    assert response.status_code == 200 and is_full_page(response)
    html = text_of(response)
    assert 'id="thread-messages"' in html and 'aria-live="polite"' in html
    assert unread_for(service, signed_in.principal) == before - 1
    assert f'data-count="{before - 1}"' in html


def test_thread_fragment_announces_the_read_to_the_other_panels(signed_in):
    response = signed_in.client.get(signed_in.url(f"/{signed_in.conversation_id}"), headers=HTMX)
    assert not is_full_page(response)
    assert text_of(response).lstrip().startswith('<section id="thread-panel"')
    assert "messages-read" in response.headers["HX-Trigger"]
    again = signed_in.client.get(signed_in.url(f"/{signed_in.conversation_id}"), headers=HTMX)
    assert "HX-Trigger" not in again.headers


def test_polling_the_thread_never_marks_it_read(signed_in, service):
    before = unread_for(service, signed_in.principal)
    url = signed_in.url(f"/{signed_in.conversation_id}/updates?after=0&status=open")
    response = signed_in.client.get(url, headers=HTMX)
    assert response.status_code == 200
    assert 'hx-swap-oob="beforeend:#thread-messages"' in text_of(response)
    assert unread_for(service, signed_in.principal) == before


def test_messages_arriving_in_the_open_thread_are_marked_read_by_a_post(signed_in, service):
    poll = text_of(signed_in.client.get(signed_in.url(f"/{signed_in.conversation_id}/updates?after=0&status=open"), headers=HTMX))
    read_url = signed_in.url(f"/{signed_in.conversation_id}/read")
    assert f'hx-post="{read_url}" hx-trigger="load"' in poll
    before = unread_for(service, signed_in.principal)
    response = signed_in.client.post(read_url, headers=HTMX)
    assert response.status_code == 204
    assert "messages-read" in response.headers["HX-Trigger"]
    assert unread_for(service, signed_in.principal) == before - 1
    # Nothing unread left: the next poll asks for no read, and a repeated post announces nothing.
    poll = text_of(signed_in.client.get(signed_in.url(f"/{signed_in.conversation_id}/updates?after=0&status=open"), headers=HTMX))
    assert "hx-post" not in poll
    assert "HX-Trigger" not in signed_in.client.post(read_url, headers=HTMX).headers


def test_polling_answers_no_content_when_nothing_is_new(signed_in, service):
    detail = service.get_conversation(signed_in.principal, signed_in.conversation_id)
    last = detail.messages[-1].id
    url = signed_in.url(f"/{signed_in.conversation_id}/updates?after={last}&status=open")
    assert signed_in.client.get(url, headers=HTMX).status_code == 204


def test_badge_fragment(signed_in, service):
    response = signed_in.client.get(signed_in.url("/unread-badge"), headers=HTMX)
    assert response.status_code == 200 and not is_full_page(response)
    count = unread_for(service, signed_in.principal)
    assert f'data-count="{count}"' in text_of(response)
    assert "every 1s" in text_of(response)  # the testing config's interval
    assert signed_in.client.get(signed_in.url("/unread-badge")).status_code == 302


def badge_of(html: str) -> str:
    return re.search(r'<span id="unread-badge".*?</span>(?:</span>)?', html, re.DOTALL).group(0)


def test_badge_poll_follows_new_messages_and_matches_the_layouts_badge(signed_in, service, marketplace):
    """Each poll answers the count of that moment (a rendered answer is reused only for the same count),
    in the very markup the page's layout shows."""
    poll = lambda: text_of(signed_in.client.get(signed_in.url("/unread-badge"), headers=HTMX))  # noqa: E731
    before = unread_for(service, signed_in.principal)
    first = poll()
    assert f'data-count="{before}"' in first
    writer = marketplace.admin if signed_in.role == "vendor" else marketplace.staff_a
    service.send_message(writer, signed_in.conversation_id, "One more for the badge")
    db.session.commit()
    second = poll()
    assert f'data-count="{before + 1}"' in second and f">{before + 1}<" in second
    assert badge_of(second) == badge_of(text_of(signed_in.client.get(signed_in.url())))
    service.mark_conversation_read(signed_in.principal, signed_in.conversation_id)
    db.session.commit()
    after_reading = unread_for(service, signed_in.principal)
    assert after_reading < before + 1
    assert f'data-count="{after_reading}"' in poll()


# ------------------------------------------------------------------ replying


def test_reply_without_javascript_posts_and_redirects(signed_in, service):
    response = signed_in.client.post(
        signed_in.url(f"/{signed_in.conversation_id}/messages"),
        data={"content": "Plain form reply", "attachments": [file("notes.csv", CSV), file("photo.png", PNG)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/{signed_in.conversation_id}#latest")
    page = text_of(signed_in.client.get(response.location.split("#")[0]))
    assert "Plain form reply" in page and "Message sent." in page
    assert "notes.csv" in page and "photo.png" in page
    assert "text/csv" in page and "image/png" in page
    assert re.search(r'<img class="attachment__thumb" src="[^"]+\?thumbnail=1"', page)


def test_reply_with_htmx_returns_a_fresh_form_and_the_sent_event(signed_in):
    response = signed_in.client.post(
        signed_in.url(f"/{signed_in.conversation_id}/messages"),
        data={"content": "htmx reply"}, headers=HTMX,
    )
    assert response.status_code == 200
    html = text_of(response)
    assert html.lstrip().startswith('<form id="reply-form"') and "htmx reply" not in html
    assert "message-sent" in response.headers["HX-Trigger"]


def test_file_too_large_is_refused_next_to_the_form_keeping_the_text(signed_in):
    set_setting(ATTACHMENT_MAX_SIZE_MB, "0.001")
    db.session.commit()
    url = signed_in.url(f"/{signed_in.conversation_id}/messages")
    data = lambda: {"content": "Keep this text", "attachments": [file("big.png", PNG + b"\0" * 2000)]}  # noqa: E731
    plain = signed_in.client.post(url, data=data(), content_type="multipart/form-data")
    assert plain.status_code == 413 and is_full_page(plain)
    assert "big.png is larger than" in text_of(plain) and "Keep this text" in text_of(plain)
    fragment = signed_in.client.post(url, data=data(), content_type="multipart/form-data", headers=HTMX)
    assert fragment.status_code == 413
    assert text_of(fragment).lstrip().startswith('<form id="reply-form"')
    assert 'role="alert"' in text_of(fragment) and "Keep this text" in text_of(fragment)


def test_wrong_file_type_is_refused_next_to_the_form(signed_in):
    response = signed_in.client.post(
        signed_in.url(f"/{signed_in.conversation_id}/messages"),
        data={"content": "See file", "attachments": [file("tool.exe", EXECUTABLE)]},
        content_type="multipart/form-data", headers=HTMX,
    )
    assert response.status_code == 415
    assert "tool.exe is not an allowed file type" in text_of(response)
    assert "See file" in text_of(response)


def test_reply_to_a_closed_conversation_is_refused_keeping_the_text(signed_in, service, marketplace):
    service.close_conversation(closer_for(signed_in, marketplace), signed_in.conversation_id)
    url = signed_in.url(f"/{signed_in.conversation_id}/messages")
    plain = signed_in.client.post(url, data={"content": "Too late?"})
    assert plain.status_code == 409
    assert "This conversation is closed" in text_of(plain) and "Too late?" in text_of(plain)
    fragment = signed_in.client.post(url, data={"content": "Too late?"}, headers=HTMX)
    assert fragment.status_code == 409 and "Too late?" in text_of(fragment)


# ------------------------------------------------------------------ attachments


def test_attachment_downloads_are_authorised_and_named(signed_in, service, marketplace):
    sender = marketplace.admin if signed_in.role == "vendor" else marketplace.staff_a
    message = service.send_message(sender, signed_in.conversation_id, "Files",
                                   [upload("report.csv", CSV), upload("chart.png", PNG)])
    csv, png = message.attachments
    base = signed_in.url(f"/{signed_in.conversation_id}/attachments")
    download = signed_in.client.get(f"{base}/{csv.id}")
    assert download.status_code == 200 and download.data == CSV
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "report.csv" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert signed_in.client.get(f"{base}/{csv.id}?inline=1").headers["Content-Disposition"].startswith("attachment;")
    thumbnail = signed_in.client.get(f"{base}/{png.id}?inline=1")
    assert thumbnail.headers["Content-Disposition"].startswith("inline;")
    assert thumbnail.mimetype == "image/png"
    assert signed_in.client.get(f"{base}/999999").status_code == 404


# ------------------------------------------------------------------ preferences


def test_email_preference_plain_and_htmx(signed_in, service):
    url = signed_in.url(f"/{signed_in.conversation_id}/preferences")
    response = signed_in.client.post(url, data={})
    assert response.status_code == 302
    assert service.get_conversation(signed_in.principal, signed_in.conversation_id).email_notifications is False
    fragment = signed_in.client.post(url, data={"email_notifications": "on"}, headers=HTMX)
    assert fragment.status_code == 200 and 'role="status"' in text_of(fragment)
    assert text_of(fragment).lstrip().startswith('<form id="preferences-form"')
    assert service.get_conversation(signed_in.principal, signed_in.conversation_id).email_notifications is True


# ------------------------------------------------------------------ out of scope


def test_a_conversation_out_of_scope_is_a_404_page(signed_in, service, marketplace):
    # Shop B's conversation with its customer: outside every scope here (admins see no vendor-customer threads).
    foreign = start(service, marketplace.staff_b, ConversationType.VENDOR_CUSTOMER, marketplace.customer_b, "Private")
    response = signed_in.client.get(signed_in.url(f"/{foreign.id}"))
    assert response.status_code == 404 and is_full_page(response)
    assert "Page not found" in text_of(response) and "Private" not in text_of(response)


def test_sign_out_ends_the_session(signed_in):
    page = text_of(signed_in.client.get(signed_in.url()))
    assert 'action="/logout"' in page
    assert signed_in.client.post("/logout").status_code == 302
    assert signed_in.client.get(signed_in.url()).status_code == 302


def test_a_refusal_to_an_htmx_request_is_an_event_not_a_page(signed_in):
    response = signed_in.client.get(signed_in.url("/999999"), headers=HTMX)
    assert response.status_code == 404 and response.data == b""
    assert response.headers["HX-Reswap"] == "none"
    assert "Conversation not found." in response.headers["HX-Trigger"]
