"""Attachments to look at (issue 12): real thumbnails made at upload, PDFs in a tab, the same authorisation."""
import io
from pathlib import Path

from PIL import Image
from werkzeug.datastructures import FileStorage

from messaging.demo_data import solid_png
from messaging.models import ConversationType
from tests.factories import start
from tests.sample_files import JPEG, PDF
from tests.web.page_support import sign_in_staff, text_of

PHOTO = solid_png(1200, 800, (67, 56, 202))


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _thread_with_files(service, marketplace, *files):
    m = marketplace
    thread = start(service, m.staff_a, ConversationType.VENDOR_CUSTOMER, m.customer_a, "Photos")
    message = service.send_message(m.staff_a, thread.id, "Files", [upload(name, data) for name, data in files])
    return thread, message


def test_an_image_gets_a_small_thumbnail_at_upload_served_with_long_private_caching(
        app, vendor_client, service, marketplace):
    thread, message = _thread_with_files(service, marketplace, ("photo.png", PHOTO))
    attachment = message.attachments[0]
    stored = next(Path(app.config["ATTACHMENT_ROOT"]).rglob("*.png"))
    assert Path(str(stored) + ".thumb.webp").exists()  # made at upload, beside the file

    response = vendor_client.get(f"/vendor/messages/{thread.id}/attachments/{attachment.id}?thumbnail=1")
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(response.data)).size == (112, 112)
    assert len(response.data) < len(PHOTO) / 5
    page = text_of(vendor_client.get(f"/vendor/messages/{thread.id}"))
    assert f'src="/vendor/messages/{thread.id}/attachments/{attachment.id}?thumbnail=1"' in page
    assert "data-image-dialog" in page


def test_a_thumbnail_is_as_private_as_its_image(app, service, marketplace):
    thread, message = _thread_with_files(service, marketplace, ("photo.png", PHOTO))
    outsider = app.test_client()
    sign_in_staff(outsider, "staff@b.example")
    url = f"/vendor/messages/{thread.id}/attachments/{message.attachments[0].id}?thumbnail=1"
    assert outsider.get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302  # signed out: to sign in


def test_an_image_pillow_cannot_read_falls_back_to_the_original(vendor_client, service, marketplace):
    thread, message = _thread_with_files(service, marketplace, ("broken.jpg", JPEG))
    response = vendor_client.get(f"/vendor/messages/{thread.id}/attachments/{message.attachments[0].id}?thumbnail=1")
    assert response.status_code == 200 and response.data == JPEG
    assert response.headers["Content-Disposition"].startswith("inline;")


def test_a_pdf_opens_in_a_tab_sandboxed_and_the_api_keeps_downloading_it(vendor_client, service, marketplace):
    thread, message = _thread_with_files(service, marketplace, ("invoice.pdf", PDF))
    url = f"/vendor/messages/{thread.id}/attachments/{message.attachments[0].id}"
    response = vendor_client.get(url + "?inline=1")
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert vendor_client.get(url).headers["Content-Disposition"].startswith("attachment;")
    page = text_of(vendor_client.get(f"/vendor/messages/{thread.id}"))
    assert f'href="{url}?inline=1" class="attachment__link" target="_blank" rel="noopener"' in page
    api = vendor_client.get(f"/api/v1/vendor/messages/{thread.id}/attachments/{message.attachments[0].id}?inline=1")
    assert api.headers["Content-Disposition"].startswith("attachment;")
