"""MessageAttachmentService: validate uploads, store them on disk, remove them again.

Validation happens before anything is written, so a refused upload leaves nothing
behind; files written for a transaction that then fails are removed by the caller
through :meth:`discard`.
"""
import os
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from messaging.services import platform_settings
from messaging.services.errors import FileTooLarge, InvalidInput, UnsupportedFileType
from messaging.services.file_types import ImplausibleArchive, extension_of, identify
from messaging.services.thumbnails import remove_thumbnail, write_thumbnail

MAX_ATTACHMENTS_PER_MESSAGE = 5
DEFAULT_MAX_SIZE_MB = 10
FILENAME_MAX_LENGTH = 255


class Upload(Protocol):
    """What werkzeug's FileStorage offers, and all the service needs of an upload."""

    filename: str | None
    stream: BinaryIO


@dataclass(frozen=True)
class ValidatedFile:
    filename: str
    extension: str
    data: bytes
    content_type: str
    is_image: bool

    @property
    def size_bytes(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class StoredFile:
    validated: ValidatedFile
    storage_path: str


class MessageAttachmentService:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def get_max_file_size_bytes(self) -> int:
        """The limit uploads are held to: read from the setting now."""
        return _megabytes_setting(platform_settings.get_setting(platform_settings.ATTACHMENT_MAX_SIZE_MB))

    def displayed_max_file_size_bytes(self) -> int:
        """The limit as forms announce it (a copy of the setting at most a few seconds old)."""
        return _megabytes_setting(
            platform_settings.get_setting_for_display(platform_settings.ATTACHMENT_MAX_SIZE_MB)
        )

    def validate_all(self, uploads: Iterable[Upload]) -> list[ValidatedFile]:
        uploads = [upload for upload in uploads if upload is not None and upload.filename]
        if not uploads:
            return []
        if len(uploads) > MAX_ATTACHMENTS_PER_MESSAGE:
            raise InvalidInput(
                f"A message can carry at most {MAX_ATTACHMENTS_PER_MESSAGE} attachments.",
                fields={"attachments": f"At most {MAX_ATTACHMENTS_PER_MESSAGE} files."},
            )
        limit = self.get_max_file_size_bytes()
        return [self._validate(upload, limit) for upload in uploads]

    def _validate(self, upload: Upload, limit: int) -> ValidatedFile:
        filename = _clean_filename(upload.filename or "")
        # Read one byte past the limit: enough to know it is too big without reading it all.
        data = upload.stream.read(limit + 1)
        if len(data) > limit:
            raise FileTooLarge(
                f"{filename} is larger than the {_format_megabytes(limit)} limit.",
                fields={"attachments": filename},
            )
        if not data:
            raise UnsupportedFileType(f"{filename} is empty.", fields={"attachments": filename})
        try:
            kind = identify(filename, data)
        except ImplausibleArchive:
            raise UnsupportedFileType(
                f"{filename} is an archive that would expand to far more than it weighs "
                "(too many members, or compressed beyond any real document), so it was not accepted.",
                fields={"attachments": filename},
            ) from None
        if kind is None:
            raise UnsupportedFileType(
                f"{filename} is not an allowed file type, or its content does not match its extension.",
                fields={"attachments": filename},
            )
        return ValidatedFile(
            filename=filename,
            extension=extension_of(filename),
            data=data,
            content_type=kind.content_type,
            is_image=kind.is_image,
        )

    def store_all(
        self, conversation_id: int, files: Iterable[ValidatedFile], *, now: datetime
    ) -> list[StoredFile]:
        stored: list[StoredFile] = []
        try:
            for validated in files:
                stored.append(self._store(conversation_id, validated, now))
        except Exception:
            self.discard(stored)
            raise
        return stored

    def _store(self, conversation_id: int, validated: ValidatedFile, now: datetime) -> StoredFile:
        relative = (
            f"messages/{now:%Y}/{now:%m}/{conversation_id}/{uuid.uuid4().hex}.{validated.extension}"
        )
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as output:
                output.write(validated.data)
            os.replace(temporary, target)
        except Exception:
            Path(temporary).unlink(missing_ok=True)
            raise
        if validated.is_image:
            write_thumbnail(target)  # inbox-ux: made once, at upload, beside the file
        return StoredFile(validated=validated, storage_path=relative)

    def discard(self, stored: Iterable[StoredFile]) -> None:
        for item in stored:
            self.delete_attachment(item.storage_path)

    def delete_attachment(self, storage_path: str) -> None:
        self.absolute_path(storage_path).unlink(missing_ok=True)
        remove_thumbnail(self.absolute_path(storage_path))  # inbox-ux

    def absolute_path(self, storage_path: str) -> Path:
        path = (self.root / storage_path).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("Attachment path escapes the attachment root.")
        return path


def _clean_filename(filename: str) -> str:
    """Keep the name people gave the file for display, minus any path and control characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(character for character in name if character.isprintable()).strip()
    if len(name) > FILENAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        name = stem[: FILENAME_MAX_LENGTH - len(extension) - 1] + dot + extension
    return name or "file"


def _format_megabytes(size_bytes: int) -> str:
    megabytes = size_bytes / (1024 * 1024)
    return f"{megabytes:g} MB"


def _megabytes_setting(raw: str | None) -> int:
    try:
        megabytes = float(raw) if raw is not None else DEFAULT_MAX_SIZE_MB
    except ValueError:
        megabytes = DEFAULT_MAX_SIZE_MB
    return int(megabytes * 1024 * 1024)
