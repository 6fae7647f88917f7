"""Thumbnails of image attachments: made once when the file is stored, kept beside it.

A thread shows each image as a 56 px square (112 px for sharp screens); handing out the
original for that cost a shop thread 603 KB. The thumbnail is a WebP next to the stored file
(``<file>.thumb.webp``), served through the same authorised download route.
A thumbnail that cannot be made (an odd file Pillow refuses) never fails the upload: the
download route then makes it on first request, or falls back to the original.
"""
import logging
import os
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

THUMBNAIL_PIXELS = 112
THUMBNAIL_SUFFIX = ".thumb.webp"
# A thumbnail being written (renamed into place when whole).
THUMBNAIL_TEMPORARY_PREFIX = ".thumb-"
THUMBNAIL_CONTENT_TYPE = "image/webp"
# A 10 MB upload cannot be a sensible picture of more pixels than this (a decompression bomb).
MAX_SOURCE_PIXELS = 60_000_000

log = logging.getLogger(__name__)


def thumbnail_path(original: Path) -> Path:
    return original.with_name(original.name + THUMBNAIL_SUFFIX)


def write_thumbnail(original: Path) -> Path | None:
    """Make the thumbnail of ``original`` (write-and-rename); None when Pillow cannot read it."""
    target = thumbnail_path(original)
    try:
        with Image.open(original) as image:
            if image.width * image.height > MAX_SOURCE_PIXELS:
                return None
            image = ImageOps.exif_transpose(image)
            if image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB")
            square = ImageOps.fit(image, (THUMBNAIL_PIXELS, THUMBNAIL_PIXELS), Image.Resampling.LANCZOS)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=THUMBNAIL_TEMPORARY_PREFIX)
            try:
                with os.fdopen(handle, "wb") as output:
                    square.save(output, "WEBP", quality=80, method=4)
                # os.rename, not os.replace: the same on POSIX, and the attachment store's failure
                # handling (which watches os.replace for the files themselves) stays its own.
                os.rename(temporary, target)
            except Exception:
                Path(temporary).unlink(missing_ok=True)
                raise
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        log.warning("No thumbnail for %s: %s", original.name, error)
        return None
    return target


def existing_or_new_thumbnail(original: Path) -> Path | None:
    target = thumbnail_path(original)
    return target if target.exists() else write_thumbnail(original)


def remove_thumbnail(original: Path) -> None:
    thumbnail_path(original).unlink(missing_ok=True)
