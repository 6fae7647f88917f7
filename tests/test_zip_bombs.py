"""Zip bombs: an archive that expands to gigabytes is refused without being expanded (issue 8, item 1)."""
import io
import struct
import tracemalloc
import zipfile

import pytest

from messaging.models import ConversationType, MessageAttachment
from messaging.services.errors import UnsupportedFileType
from messaging.services.file_types import ImplausibleArchive, identify
from tests.factories import start, upload

BOMB_MEMBER_BYTES = 64 * 1024 * 1024


def odt_bomb() -> bytes:
    """An ODF-looking archive whose ``mimetype`` member inflates to 64 MiB of zeros (about 64 KiB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        member_info = zipfile.ZipInfo("mimetype")
        member_info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(member_info, "w") as member:
            chunk = b"\x00" * (1024 * 1024)
            for _ in range(BOMB_MEMBER_BYTES // len(chunk)):
                member.write(chunk)
        archive.writestr("content.xml", b"<office:document-content/>")
    return buffer.getvalue()


def with_lying_sizes(data: bytes, declared: int) -> bytes:
    """The same archive, but every header declares ``declared`` uncompressed bytes: the lie a bomb tells."""
    patched = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := patched.find(signature, start)) != -1:
            if struct.unpack_from("<I", patched, start + offset)[0] != 0xFFFFFFFF:
                struct.pack_into("<I", patched, start + offset, declared)
            start += 4
    return bytes(patched)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return odt_bomb()


def test_a_bomb_is_refused_from_its_directory_alone(bomb):
    assert len(bomb) < 1024 * 1024 < BOMB_MEMBER_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(ImplausibleArchive):
            identify("letter.odt", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024  # the upload's own bytes and change; nothing like 64 MiB


def test_a_bomb_that_lies_about_its_size_is_read_no_further_than_a_few_hundred_bytes(bomb):
    liar = with_lying_sizes(bomb, declared=39)  # "application/vnd.oasis.opendocument.text" is 39 bytes
    tracemalloc.start()
    try:
        try:
            kind = identify("letter.odt", liar)
        except ImplausibleArchive:
            kind = None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kind is None  # its mimetype member is zeros: not an OpenDocument text
    assert peak < 8 * 1024 * 1024


def test_archives_with_absurd_member_counts_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(10_001):
            archive.writestr(f"f{number}", b"")
    with pytest.raises(ImplausibleArchive):
        identify("many.zip", buffer.getvalue())


@pytest.mark.parametrize("name", ["letter.odt", "letter.docx", "sheet.xlsx", "bundle.zip"])
def test_uploading_a_bomb_is_refused_with_a_clear_message_and_stores_nothing(app, service, marketplace, bomb, name):
    conversation = start(service, marketplace.staff_a, ConversationType.VENDOR_CUSTOMER, marketplace.customer_a)
    with pytest.raises(UnsupportedFileType, match="expand to far more than it weighs"):
        service.send_message(marketplace.customer_a, conversation.id, "see attached", [upload(name, bomb)])
    assert MessageAttachment.query.count() == 0
    assert len(service.get_conversation(marketplace.customer_a, conversation.id).messages) == 1


def test_ordinary_office_documents_still_pass():
    from tests.sample_files import ALLOWED_SAMPLES

    for name, (data, content_type, _) in ALLOWED_SAMPLES.items():
        assert identify(name, data).content_type == content_type
