"""Attachment links point at the download endpoint of the surface the caller uses."""
from flask import request, url_for

from messaging.services.read_models import AttachmentInfo


def attachment_download_url(attachment: AttachmentInfo) -> str:
    # The request's blueprint is the caller's surface: one registration of the views per role.
    return url_for(
        f"{request.blueprint}.download_attachment",
        conversation_id=attachment.conversation_id,
        attachment_id=attachment.id,
    )
