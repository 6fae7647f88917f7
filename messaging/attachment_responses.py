"""The HTTP answer for an attachment download, shared by the JSON API and the pages (decisions §4)."""
from flask import Response, send_file

from messaging.services.conversations import AttachmentDownload
from messaging.services.errors import NotFound


def attachment_response(download: AttachmentDownload, *, inline_requested: bool) -> Response:
    """The stored bytes under their original name; only raster images may be shown inline (thumbnails)."""
    info = download.info
    try:
        response = send_file(
            download.path,
            mimetype=info.content_type,
            as_attachment=not (inline_requested and info.is_image),
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
