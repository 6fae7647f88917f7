"""Decide an upload's type from its bytes and check it agrees with its extension.

The client's Content-Type is never consulted. Each allowed extension names the
content its bytes must show; anything that does not match is refused.
"""
import io
import zipfile
from dataclasses import dataclass

import filetype

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            found = {"zip"}
            if "[Content_Types].xml" in names:
                found |= {kind for part, kind in _OOXML_MAIN_PARTS.items() if part in names}
            if "mimetype" in names:
                mimetype = archive.read("mimetype").strip()
                if mimetype in _ODF_MIMETYPES:
                    found.add(_ODF_MIMETYPES[mimetype])
            return found
    except (zipfile.BadZipFile, OSError, ValueError):
        return set()


def _is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def identify(filename: str, data: bytes) -> FileKind | None:
    """The kind to store the file as, or None when its bytes and extension do not agree on an allowed type."""
    allowed = ALLOWED_EXTENSIONS.get(extension_of(filename))
    if allowed is None:
        return None
    required_content, kind = allowed
    return kind if required_content in sniff_content(data) else None
