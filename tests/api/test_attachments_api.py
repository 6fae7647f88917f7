"""Multipart sends with files, and downloads for every role: exact bytes, safe headers."""
import io

import pytest

from messaging.extensions import db
from messaging.services.platform_settings import ATTACHMENT_MAX_SIZE_MB, set_setting
from tests.api.api_support import error_of
from tests.sample_files import EXECUTABLE, PDF, PNG, TEXT

UNICODE_NAME = "Überweisung März 2026 €.pdf"


def send_files(api, conversation_id, files, content="See attached"):
    data = {"content": content, "attachments": [(io.BytesIO(data), name) for name, data in files]}
    return api.post(f"/{conversation_id}/messages", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("sender, readers", [
    ("customer_a", ["staff_a", "customer_a"]),
    ("staff_a", ["customer_a", "staff_a2"]),
])
def test_send_with_files_then_every_role_downloads_the_exact_bytes(caller, marketplace, threads, sender, readers):
    conversation_id = threads["vendor_customer"].id
    response = send_files(caller(getattr(marketplace, sender)), conversation_id,
                          [(UNICODE_NAME, PDF), ("notes.txt", TEXT)])
    assert response.status_code == 201, response.get_json()
    attachments = response.get_json()["attachments"]
    assert [(a["filename"], a["content_type"], a["size_bytes"], a["is_image"]) for a in attachments] == [
        (UNICODE_NAME, "application/pdf", len(PDF), False),
        ("notes.txt", "text/plain; charset=utf-8", len(TEXT), False),
    ]
    for reader in readers:
        api = caller(getattr(marketplace, reader))
        detail = api.get(f"/{conversation_id}").get_json()
        links = [a["download_url"] for a in detail["messages"][-1]["attachments"]]
        download = api.client.get(links[0], headers=api.headers())
        assert download.status_code == 200
        assert download.data == PDF
        assert download.mimetype == "application/pdf"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert "filename*=UTF-8''%C3%9Cberweisung%20M%C3%A4rz%202026%20%E2%82%AC.pdf" in disposition
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert api.client.get(links[1], headers=api.headers()).data == TEXT


def test_admin_downloads_through_the_admin_surface(caller, marketplace, threads):
    conversation_id = threads["admin_customer"].id
    sent = send_files(caller(marketplace.customer_a), conversation_id, [("scan.pdf", PDF)]).get_json()
    link = sent["attachments"][0]["download_url"]
    assert link.startswith("/api/v1/shop/")
    admin = caller(marketplace.admin)
    admin_link = admin.get(f"/{conversation_id}").get_json()["messages"][-1]["attachments"][0]["download_url"]
    assert admin_link.startswith(f"/api/v1/admin/messages/{conversation_id}/attachments/")
    download = admin.client.get(admin_link, headers=admin.headers())
    assert download.status_code == 200 and download.data == PDF
    assert 'filename=scan.pdf' in download.headers["Content-Disposition"]


def test_images_may_be_served_inline_other_files_never(caller, marketplace, threads):
    api = caller(marketplace.customer_a)
    conversation_id = threads["vendor_customer"].id
    png_link = api.get(f"/{conversation_id}").get_json()["messages"][0]["attachments"][0]["download_url"]
    inline = api.client.get(png_link + "?inline=1", headers=api.headers())
    assert inline.status_code == 200 and inline.data == PNG
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert inline.headers["X-Content-Type-Options"] == "nosniff"
    pdf_link = send_files(api, conversation_id, [("a.pdf", PDF)]).get_json()["attachments"][0]["download_url"]
    assert api.client.get(pdf_link + "?inline=1", headers=api.headers()).headers["Content-Disposition"].startswith("attachment")


def test_files_without_content(caller, marketplace, threads):
    response = send_files(caller(marketplace.customer_a), threads["vendor_customer"].id, [("a.png", PNG)], content="")
    assert response.status_code == 201
    assert response.get_json()["content"] == ""


def test_unsupported_type_is_415_naming_the_file(caller, marketplace, threads):
    response = send_files(caller(marketplace.customer_a), threads["vendor_customer"].id, [("setup.pdf", EXECUTABLE)])
    assert response.status_code == 415
    error = error_of(response)
    assert error["code"] == "unsupported_file_type" and "setup.pdf" in error["message"]


def test_too_large_is_413_naming_file_and_limit(caller, marketplace, threads):
    set_setting(ATTACHMENT_MAX_SIZE_MB, "0.001")
    db.session.commit()
    big = b"a" * 2000
    response = send_files(caller(marketplace.customer_a), threads["vendor_customer"].id, [("big.txt", big)])
    assert response.status_code == 413
    error = error_of(response)
    assert error["code"] == "file_too_large" and "big.txt" in error["message"] and "MB" in error["message"]


def test_a_body_over_the_server_limit_is_413_json(caller, marketplace, threads, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = send_files(caller(marketplace.customer_a), threads["vendor_customer"].id, [("big.txt", b"a" * 5000)])
    assert response.status_code == 413
    assert error_of(response)["code"] == "request_too_large"


def test_more_than_five_files_is_422(caller, marketplace, threads):
    files = [(f"n{i}.txt", TEXT) for i in range(6)]
    response = send_files(caller(marketplace.customer_a), threads["vendor_customer"].id, files)
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


def test_empty_message_without_files_is_422(caller, marketplace, threads):
    response = send_files(caller(marketplace.customer_a), threads["vendor_customer"].id, [], content="   ")
    assert response.status_code == 422
    assert "content" in error_of(response)["fields"]


def test_other_body_types_are_415(caller, marketplace, threads):
    response = caller(marketplace.customer_a).post(
        f"/{threads['vendor_customer'].id}/messages", data="hello", content_type="text/plain"
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_a_missing_file_on_disk_is_404_not_500(caller, marketplace, threads, app):
    import shutil

    shutil.rmtree(app.config["ATTACHMENT_ROOT"])
    api = caller(marketplace.customer_a)
    link = api.get(f"/{threads['vendor_customer'].id}").get_json()["messages"][0]["attachments"][0]["download_url"]
    response = api.client.get(link, headers=api.headers())
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
