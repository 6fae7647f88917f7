"""The service layer: business rules shared by the JSON API, the HTML pages and the CLI."""
from flask import current_app

from messaging.extensions import db
from messaging.services.attachments import MessageAttachmentService
from messaging.services.conversations import MessagingService


def attachment_service() -> MessageAttachmentService:
    return MessageAttachmentService(current_app.config["ATTACHMENT_ROOT"])


def messaging_service() -> MessagingService:
    return MessagingService(db.session, attachment_service())
