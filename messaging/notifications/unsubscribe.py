"""The unsubscribe link of every notification email; it works without signing in.

``/email/unsubscribe/<token>`` shows a confirmation form (GET) and turns the emails of
that one conversation off (POST, with CSRF like every form). ``…/one-click`` is the
``List-Unsubscribe`` target for mail clients (RFC 8058): a POST with no session and no
CSRF token, which is why it alone is exempt; the signed token is what authorises it.
"""
from flask import Blueprint, Response, abort, redirect, render_template, url_for
from sqlalchemy import select, update

from messaging.extensions import csrf, db
from messaging.models import Conversation, ConversationParticipant
from messaging.notifications.tokens import ParticipantToken, read_unsubscribe_token
from messaging.web import htmx

blueprint = Blueprint("email_unsubscribe", __name__, url_prefix="/email/unsubscribe")


@blueprint.get("/<token>")
def confirm(token: str):
    return _page(token, done=False)


@blueprint.post("/<token>")
def unsubscribe(token: str):
    _turn_off(_participant_or_404(token))
    return _page(token, done=True)


@blueprint.post("/<token>/one-click")
@csrf.exempt
def one_click(token: str):
    _turn_off(_participant_or_404(token))
    return Response("You will no longer get emails about this conversation.\n", mimetype="text/plain")


@blueprint.get("/<token>/one-click")
def one_click_in_browser(token: str):
    # A mail client without one-click support opens the link: show the confirmation page.
    return redirect(url_for("email_unsubscribe.confirm", token=token))


def _page(token: str, *, done: bool):
    participant = _participant_or_404(token)
    subject = db.session.scalar(select(Conversation.subject).where(Conversation.id == participant.conversation_id))
    template = "email_settings/_unsubscribe.html" if htmx.wants_fragment() else "email_settings/unsubscribe.html"
    response = Response(render_template(template, token=token, subject=subject, done=done), mimetype="text/html")
    response.headers["Vary"] = "HX-Request"
    # The token in the URL is a credential of sorts: keep it out of Referer headers and caches.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _participant_or_404(token: str) -> ParticipantToken:
    participant = read_unsubscribe_token(token)
    if participant is None:
        abort(404)
    exists = db.session.scalar(
        select(ConversationParticipant.id).where(
            ConversationParticipant.id == participant.participant_id,
            ConversationParticipant.conversation_id == participant.conversation_id,
        )
    )
    if exists is None:
        abort(404)
    return participant


def _turn_off(participant: ParticipantToken) -> None:
    db.session.execute(
        update(ConversationParticipant)
        .where(
            ConversationParticipant.id == participant.participant_id,
            ConversationParticipant.conversation_id == participant.conversation_id,
        )
        .values(email_notifications=False)
        .execution_options(synchronize_session=False)
    )
