"""The service layer: business rules shared by the JSON API, the HTML pages and the CLI."""
from flask import current_app

from messaging.extensions import db
from messaging.services.attachments import MessageAttachmentService
from messaging.services.conversations import MessagingService

_SERVICES = "messaging_services"


def attachment_service() -> MessageAttachmentService:
    return _services_for(current_app.config["ATTACHMENT_ROOT"])[0]


def messaging_service() -> MessagingService:
    return _services_for(current_app.config["ATTACHMENT_ROOT"])[1]


def _services_for(attachment_root: str) -> tuple[MessageAttachmentService, MessagingService]:
    # Made once per app (and attachment folder), not per call: they hold no state of their own, only
    # the request-scoped session (db.session), and making the five objects cost more than a badge's query.
    made = current_app.extensions.setdefault(_SERVICES, {})
    services = made.get(attachment_root)
    if services is None:
        attachments = MessageAttachmentService(attachment_root)
        services = made[attachment_root] = (attachments, MessagingService(db.session, attachments))
    return services
