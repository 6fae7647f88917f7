"""Attachment downloads for the pages, authorised by the service like every other read (decisions §4)."""
from flask import g, request

from messaging.attachment_responses import attachment_response, thumbnail_response
from messaging.services import messaging_service


def download_attachment(conversation_id: int, attachment_id: int):
    download = messaging_service().get_attachment(g.principal, conversation_id, attachment_id)
    if request.args.get("thumbnail") == "1":  # inbox-ux
        return thumbnail_response(download)
    return attachment_response(download, inline_requested=request.args.get("inline") == "1",
                               documents_inline=True)  # inbox-ux: a PDF opens in a tab
