"""The pages of marketplace cases (decisions §7): escalating, resolving, and a customer's new
conversation with their shop (the "Contact the shop" button and the host's order/product entry point).

The views are registered with the other message pages (:mod:`messaging.web.inbox`) and render
through them; the rules are the service's.
"""
from flask import flash, g, redirect, render_template, request

from messaging.http_errors import status_of
from messaging.services import messaging_service
from messaging.services.conversations import ShopConversation
from messaging.services.conversations.cases import TooManyConversations, ensure_customer_may_start
from messaging.services.errors import ConversationClosed, InvalidInput
from messaging.web import htmx, inbox
from messaging.web.forms import FormState

ESCALATE_REFUSALS = (InvalidInput, ConversationClosed)
SHOP_COMPOSE_FIELDS = ("subject", "initial_message", "context_type", "context_ref", "context_label")


def escalate(conversation_id: int):
    reason = request.form.get("reason", "")
    try:
        messaging_service().escalate(g.principal, conversation_id, reason)
    except ESCALATE_REFUSALS as refusal:
        form = FormState.refused({"reason": reason}, refusal)
        return _thread_again(conversation_id, status_of(refusal), escalate_form=form)
    return _changed(conversation_id, "The marketplace has been asked to step in.")


def resolve(conversation_id: int):
    messaging_service().resolve(g.principal, conversation_id)
    return _changed(conversation_id, "Marked resolved.")


def _changed(conversation_id: int, done: str):
    if htmx.wants_fragment():
        detail = messaging_service().get_conversation(g.principal, conversation_id)
        body = inbox._render("messages/_thread.html", detail=detail, reply_form=FormState())
        return htmx.fragment(body, htmx.CONVERSATION_CHANGED)
    flash(done, "success")
    return redirect(g.pages.url("thread", conversation_id=conversation_id))


def _thread_again(conversation_id: int, status: int, **forms):
    """The thread with a refused form in place, as typed."""
    if htmx.wants_fragment():
        detail = messaging_service().get_conversation(g.principal, conversation_id)
        return inbox._render("messages/_thread.html", detail=detail, reply_form=FormState(), **forms), status
    return inbox._render_page(conversation_id=conversation_id, **forms), status


def compose_to_shop():
    """A customer's new conversation with their shop; with ``?context_type=&context_ref=&context_label=``
    the entry point a host's order or product page links to. 403 while customers may not start."""
    ensure_customer_may_start(g.principal)
    source = request.form if request.method == "POST" else request.args
    form = FormState(values={name: source.get(name, "") for name in SHOP_COMPOSE_FIELDS})
    status = 200
    if request.method == "POST":
        try:
            detail = messaging_service().start_with_own_shop(g.principal, ShopConversation(
                subject=form.get("subject"), initial_message=form.get("initial_message"),
                context_type=form.get("context_type"), context_ref=form.get("context_ref"),
                context_label=form.get("context_label"), uploads=request.files.getlist("attachments"),
            ))
        except (*inbox.FORM_REFUSALS, TooManyConversations) as refusal:
            form, status = FormState.refused(form.values, refusal), status_of(refusal)
        else:
            flash("Message sent. The shop will answer here.", "success")
            return redirect(g.pages.url("thread", conversation_id=detail.id))
    return render_template("messages/compose_to_shop.html", role=g.role, pages=g.pages, form=form), status
