"""Decide an upload's type from its bytes and check it agrees with its extension.

The client's Content-Type is never consulted. Each allowed extension names the
content its bytes must show; anything that does not match is refused.
"""
import io
import zipfile
import zlib
from dataclasses import dataclass

import filetype

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

# Limits of a ZIP container we are willing to look into. Office documents and ordinary
# archives stay far below them; a zip bomb is far above.
ZIP_MAX_MEMBERS = 10_000
ZIP_MAX_MEMBER_SIZE = 1024 * 1024 * 1024  # declared uncompressed size of one member
ZIP_MAX_TOTAL_SIZE = 4 * 1024 * 1024 * 1024  # declared uncompressed size of all members
# Text and XML compress up to about 1:100 (a column of zeros in a spreadsheet a little more);
# bombs reach 1:1000 and beyond. Members smaller than the floor may compress as they like.
ZIP_MAX_RATIO = 200
ZIP_RATIO_FLOOR = 1024 * 1024
# An ODF "mimetype" member is a few dozen bytes; nothing more is ever decompressed.
ZIP_MEMBER_READ_BYTES = 256


class ImplausibleArchive(Exception):
    """A ZIP container that declares far more than it weighs: a decompression bomb, or a broken file."""


@dataclass(frozen=True)
class FileKind:
    content_type: str
    is_image: bool = False


# extension -> (the content sniffed from the bytes that it requires, what to serve it as)
ALLOWED_EXTENSIONS: dict[str, tuple[str, FileKind]] = {
    "jpg": ("jpeg", FileKind("image/jpeg", True)),
    "jpeg": ("jpeg", FileKind("image/jpeg", True)),
    "png": ("png", FileKind("image/png", True)),
    "gif": ("gif", FileKind("image/gif", True)),
    "webp": ("webp", FileKind("image/webp", True)),
    "pdf": ("pdf", FileKind("application/pdf")),
    # Legacy Office files share one container format (OLE2); the extension picks which.
    "doc": ("ole2", FileKind("application/msword")),
    "xls": ("ole2", FileKind("application/vnd.ms-excel")),
    "ppt": ("ole2", FileKind("application/vnd.ms-powerpoint")),
    "docx": ("docx", FileKind("application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
    "xlsx": ("xlsx", FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    "pptx": ("pptx", FileKind("application/vnd.openxmlformats-officedocument.presentationml.presentation")),
    "odt": ("odt", FileKind("application/vnd.oasis.opendocument.text")),
    "ods": ("ods", FileKind("application/vnd.oasis.opendocument.spreadsheet")),
    "odp": ("odp", FileKind("application/vnd.oasis.opendocument.presentation")),
    "zip": ("zip", FileKind("application/zip")),
    "txt": ("text", FileKind("text/plain; charset=utf-8")),
    "csv": ("text", FileKind("text/csv; charset=utf-8")),
}

_FILETYPE_CONTENT = {
    "image/jpeg": "jpeg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "application/pdf": "pdf",
}

_OOXML_MAIN_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}

_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}


def extension_of(filename: str) -> str:
    _, dot, extension = filename.rpartition(".")
    return extension.lower() if dot else ""


def sniff_content(data: bytes) -> set[str]:
    """Every content name the bytes qualify as (an OOXML file is also a valid ZIP)."""
    if not data:
        return set()
    guessed = filetype.guess(data[:8192])
    if guessed is not None and guessed.mime in _FILETYPE_CONTENT:
        return {_FILETYPE_CONTENT[guessed.mime]}
    if data.startswith(OLE2_MAGIC):
        return {"ole2"}
    if data.startswith(ZIP_MAGIC):
        return _sniff_zip(data)
    if _is_utf8_text(data):
        return {"text"}
    return set()


def _sniff_zip(data: bytes) -> set[str]:
    """What a ZIP container holds, judged from its directory and a few bytes of one member.

    The directory is read, never the archive: a member is opened only when it is small by
    its own declaration and compressed at a sane ratio, and even then only its first bytes
    are decompressed, so a zip bomb costs no more memory than an honest file.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if not _plausible_archive(members, len(data)):
                raise ImplausibleArchive()
            names = {member.filename for member in members}
            found = {"zip"}
            if "[Content_Types].xml" in names:
                found |= {kind for part, kind in _OOXML_MAIN_PARTS.items() if part in names}
            if "mimetype" in names:
                mimetype = _member_head(archive, archive.getinfo("mimetype")).strip()
                if mimetype in _ODF_MIMETYPES:
                    found.add(_ODF_MIMETYPES[mimetype])
            return found
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError,
            RuntimeError, zlib.error):
        return set()


def _plausible_archive(members: list[zipfile.ZipInfo], archive_size: int) -> bool:
    """Refuse what no office document or honest archive looks like (OWASP ASVS 5.0 V5.2.3)."""
    if len(members) > ZIP_MAX_MEMBERS:
        return False
    declared_total = 0
    for member in members:
        declared_total += member.file_size
        if member.file_size > ZIP_MAX_MEMBER_SIZE:
            return False
        if member.file_size > ZIP_RATIO_FLOOR and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1):
            return False
    return declared_total <= ZIP_MAX_TOTAL_SIZE and declared_total <= ZIP_MAX_RATIO * max(archive_size, 1)


def _member_head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """At most ZIP_MEMBER_READ_BYTES of the member, whatever it declares or really expands to."""
    with archive.open(member) as stream:
        return stream.read(ZIP_MEMBER_READ_BYTES)


def _is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def identify(filename: str, data: bytes) -> FileKind | None:
    """The kind to store the file as, or None when its bytes and extension do not agree on an allowed type.

    Raises :class:`ImplausibleArchive` for a ZIP container too large or too compressed to look into.
    """
    allowed = ALLOWED_EXTENSIONS.get(extension_of(filename))
    if allowed is None:
        return None
    required_content, kind = allowed
    return kind if required_content in sniff_content(data) else None
