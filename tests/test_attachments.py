"""Attachment rules (decisions §4): type from the bytes, size from the live setting, storage layout, no orphans."""
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from messaging.extensions import db
from messaging.http_errors import meaning_of, status_of
from messaging.models import Conversation, ConversationStatus, ConversationType, Message, MessageAttachment
from messaging.services.errors import ConversationClosed, FileTooLarge, InvalidInput, NotFound, UnsupportedFileType
from messaging.services.platform_settings import ATTACHMENT_MAX_SIZE_MB, set_setting
from tests.factories import start, upload
from tests.sample_files import ALLOWED_SAMPLES, DISALLOWED_SAMPLES, PNG, TEXT

MB = 1024 * 1024


@pytest.fixture
def conversation(service, marketplace):
    return start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a, "Files")


def stored_files(app) -> list[Path]:
    root = Path(app.config["ATTACHMENT_ROOT"])
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def row_counts():
    return (
        db.session.scalar(select(func.count()).select_from(Message)),
        db.session.scalar(select(func.count()).select_from(MessageAttachment)),
    )


@pytest.mark.parametrize("filename", sorted(ALLOWED_SAMPLES))
def test_every_allowed_type_is_stored_with_its_real_content_type(app, service, marketplace, conversation, filename):
    data, content_type, is_image = ALLOWED_SAMPLES[filename]
    message = service.send_message(marketplace.customer_a, conversation.id, "", [upload(filename, data)])
    (attachment,) = message.attachments
    assert (attachment.filename, attachment.content_type, attachment.is_image) == (filename, content_type, is_image)
    assert attachment.size_bytes == len(data)
    download = service.get_attachment(marketplace.staff_a, conversation.id, attachment.id)
    assert Path(download.path).read_bytes() == data


@pytest.mark.parametrize("filename", sorted(DISALLOWED_SAMPLES))
def test_disallowed_or_mismatched_files_are_refused_naming_the_file(app, service, marketplace, conversation, filename):
    before = row_counts()
    with pytest.raises(UnsupportedFileType) as refused:
        service.send_message(marketplace.customer_a, conversation.id, "see file", [upload(filename, DISALLOWED_SAMPLES[filename])])
    assert status_of(refused.value) == 415 and meaning_of(refused.value).code == "unsupported_file_type"
    assert filename in refused.value.message
    assert row_counts() == before
    assert stored_files(app) == []


def test_size_limit_is_the_platform_setting_read_at_upload_time(app, service, marketplace, conversation):
    set_setting(ATTACHMENT_MAX_SIZE_MB, "1")
    db.session.commit()
    exactly_at_limit = b"a" * MB
    one_byte_over = b"a" * (MB + 1)
    service.send_message(marketplace.customer_a, conversation.id, "", [upload("at-limit.txt", exactly_at_limit)])
    with pytest.raises(FileTooLarge) as refused:
        service.send_message(marketplace.customer_a, conversation.id, "", [upload("too-big.txt", one_byte_over)])
    assert status_of(refused.value) == 413 and meaning_of(refused.value).code == "file_too_large"
    assert "too-big.txt" in refused.value.message and "1 MB" in refused.value.message

    set_setting(ATTACHMENT_MAX_SIZE_MB, "2")
    db.session.commit()  # no restart: the next upload sees the new limit
    service.send_message(marketplace.customer_a, conversation.id, "", [upload("too-big.txt", one_byte_over)])
    assert len(stored_files(app)) == 2


def test_default_limit_is_ten_megabytes(service):
    assert service.attachments.get_max_file_size_bytes() == 10 * MB


def test_storage_path_pattern_and_original_name_kept_only_in_database(app, service, marketplace, conversation):
    message = service.send_message(
        marketplace.customer_a, conversation.id, "two files", [upload("Quote May.TXT", TEXT), upload("chart.png", PNG)]
    )
    rows = db.session.scalars(select(MessageAttachment).where(MessageAttachment.message_id == message.id)).all()
    pattern = re.compile(rf"^messages/\d{{4}}/\d{{2}}/{conversation.id}/[0-9a-f]{{32}}\.(txt|png)$")
    for row in rows:
        assert pattern.match(row.storage_path), row.storage_path
        assert (Path(app.config["ATTACHMENT_ROOT"]) / row.storage_path).is_file()
    created = rows[0].created_at
    assert rows[0].storage_path.startswith(f"messages/{created:%Y}/{created:%m}/")
    assert [row.original_filename for row in rows] == ["Quote May.TXT", "chart.png"]
    assert all("Quote" not in path.name for path in stored_files(app))


def test_path_components_of_uploaded_names_are_dropped(service, marketplace, conversation):
    message = service.send_message(marketplace.customer_a, conversation.id, "", [upload("../../etc/passwd.txt", TEXT)])
    assert message.attachments[0].filename == "passwd.txt"


def test_at_most_five_attachments(app, service, marketplace, conversation):
    with pytest.raises(InvalidInput):
        service.send_message(marketplace.customer_a, conversation.id, "", [upload(f"f{i}.txt", TEXT) for i in range(6)])
    message = service.send_message(marketplace.customer_a, conversation.id, "", [upload(f"f{i}.txt", TEXT) for i in range(5)])
    assert len(message.attachments) == 5


def test_one_bad_file_refuses_the_whole_message(app, service, marketplace, conversation):
    before = row_counts()
    with pytest.raises(UnsupportedFileType):
        service.send_message(
            marketplace.customer_a, conversation.id, "mixed", [upload("ok.png", PNG), upload("bad.pdf", PNG)]
        )
    assert row_counts() == before
    assert stored_files(app) == []


def test_failed_transaction_leaves_no_file_and_no_row(app, service, marketplace, conversation, monkeypatch):
    before = row_counts()
    unread_before = service.get_unread_count(marketplace.customer_a)

    def failing_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", failing_commit)
    with pytest.raises(RuntimeError):
        service.send_message(marketplace.staff_a, conversation.id, "files", [upload("a.png", PNG), upload("b.txt", TEXT)])
    monkeypatch.undo()
    assert row_counts() == before
    assert stored_files(app) == []
    assert service.get_unread_count(marketplace.customer_a) == unread_before
    assert service.get_conversation(marketplace.staff_a, conversation.id).message_count == 1


def test_failed_write_of_a_later_file_removes_the_earlier_ones(app, service, marketplace, conversation, monkeypatch):
    real_replace = os.replace
    calls = []

    def replace_failing_second_time(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace_failing_second_time)
    with pytest.raises(OSError):
        service.send_message(marketplace.staff_a, conversation.id, "", [upload("a.png", PNG), upload("b.txt", TEXT)])
    monkeypatch.undo()
    assert stored_files(app) == []
    assert row_counts() == (1, 0)


def test_files_sent_as_the_conversation_closes_are_taken_away(app, service, marketplace, conversation, monkeypatch):
    """The files are written before the message's first write; a close that lands in between
    refuses the message, and its files go with it."""
    from messaging.services.conversations import commands

    real_load_scoped = commands.load_scoped

    def closed_by_someone_else_meanwhile(session, principal, conversation_id):
        scoped = real_load_scoped(session, principal, conversation_id)
        with db.engine.begin() as other_request:
            other_request.execute(update(Conversation).where(Conversation.id == conversation_id)
                                  .values(status=ConversationStatus.CLOSED))
        return scoped

    monkeypatch.setattr(commands, "load_scoped", closed_by_someone_else_meanwhile)
    before = row_counts()
    with pytest.raises(ConversationClosed):
        service.send_message(marketplace.staff_a, conversation.id, "files", [upload("a.png", PNG), upload("b.txt", TEXT)])
    assert row_counts() == before
    assert stored_files(app) == []


def test_delete_attachment_removes_the_file(app, service, marketplace, conversation):
    message = service.send_message(marketplace.customer_a, conversation.id, "", [upload("chart.png", PNG)])
    row = db.session.get(MessageAttachment, message.attachments[0].id)
    service.attachments.delete_attachment(row.storage_path)
    assert stored_files(app) == []


def test_attachment_of_another_conversation_is_not_found(service, marketplace, conversation):
    message = service.send_message(marketplace.customer_a, conversation.id, "", [upload("chart.png", PNG)])
    other = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a2, "Other")
    with pytest.raises(NotFound):
        service.get_attachment(marketplace.customer_a2, other.id, message.attachments[0].id)
    with pytest.raises(NotFound):
        service.get_attachment(marketplace.customer_a2, conversation.id, message.attachments[0].id)
