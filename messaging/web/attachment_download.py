"""Attachment downloads for the pages, authorised by the service like every other read (decisions §4)."""
from flask import abort, g, request, send_file

from messaging.services import messaging_service

# Raster formats a browser renders without running anything: safe to show inline as thumbnails.
INLINE_IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


def download_attachment(conversation_id: int, attachment_id: int):
    download = messaging_service().get_attachment(g.principal, conversation_id, attachment_id)
    inline = request.args.get("inline") == "1" and download.info.content_type in INLINE_IMAGE_TYPES
    try:
        response = send_file(
            download.path,
            mimetype=download.info.content_type,
            as_attachment=not inline,
            download_name=download.info.filename,
            max_age=0,
        )
    except FileNotFoundError:
        # The row outlived its file (restored database, cleaned disk): nothing to hand out.
        abort(404)
    # The stored type may carry its charset ("text/csv; charset=utf-8"); send_file would add a second one.
    response.headers["Content-Type"] = download.info.content_type
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
