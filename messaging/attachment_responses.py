"""The HTTP answer for an attachment download, shared by the JSON API and the pages (decisions §4)."""
from pathlib import Path

from flask import Response, send_file

from messaging.services.conversations import AttachmentDownload
from messaging.services.errors import NotFound
from messaging.services.thumbnails import THUMBNAIL_CONTENT_TYPE, existing_or_new_thumbnail


def attachment_response(download: AttachmentDownload, *, inline_requested: bool,
                        documents_inline: bool = False) -> Response:
    """The stored bytes under their original name; only raster images and PDFs may be shown inline."""
    info = download.info
    try:
        response = send_file(
            download.path,
            mimetype=info.content_type,
            as_attachment=not (inline_requested and _may_show_inline(info, documents_inline)),
            download_name=info.filename,
            max_age=0,
        )
    except FileNotFoundError:
        # The row outlived its file (restored database, cleaned disk): nothing to hand out.
        raise NotFound("Attachment not found.") from None
    # The stored type may carry its charset ("text/csv; charset=utf-8"): serve it exactly as recorded.
    response.headers["Content-Type"] = info.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even if a browser renders it, the file can run no script and load nothing.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# inbox-ux: a PDF opens in a tab of its own, but only when stored exactly as application/pdf
# (the type comes from the bytes); the sandboxing CSP below applies to it as to everything.
INLINE_DOCUMENT_TYPES = ("application/pdf",)
THUMBNAIL_CACHE = "private, max-age=31536000, immutable"


def _may_show_inline(info, documents_inline: bool) -> bool:
    # The pages open PDFs in a tab; the API's contract keeps ?inline=1 to raster images.
    return info.is_image or (documents_inline and info.content_type in INLINE_DOCUMENT_TYPES)


def thumbnail_response(download: AttachmentDownload) -> Response:
    """inbox-ux: the small WebP made at upload; an attachment never changes, so it is cached for a year
    (privately: the authorisation in front of it is per person). Falls back to the image itself."""
    info = download.info
    thumbnail = existing_or_new_thumbnail(Path(download.path)) if info.is_image else None
    if thumbnail is None:
        return attachment_response(download, inline_requested=True)
    response = send_file(thumbnail, mimetype=THUMBNAIL_CONTENT_TYPE, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = THUMBNAIL_CACHE
    return response
