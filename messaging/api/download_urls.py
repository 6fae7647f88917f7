"""Attachment links point at the download endpoint of the surface the caller uses."""
from flask import g, url_for

from messaging.api.roles import blueprint_name
from messaging.services.read_models import AttachmentInfo


def attachment_download_url(attachment: AttachmentInfo) -> str:
    return url_for(
        f"{blueprint_name(g.api_role)}.download_attachment",
        conversation_id=attachment.conversation_id,
        attachment_id=attachment.id,
    )
