"""The message pages, written once and registered for every role of :data:`messaging.roles.ROLES`.

Each route answers a full page to a browser navigating and the matching partial
to an htmx request (:func:`wants_fragment`); every form also works as a plain
post that redirects (post/redirect/get). Access and business rules are the
service's: a conversation out of scope raises NotFound, which becomes the 404 page.
"""
from flask import Blueprint, Response, flash, g, redirect, render_template, request

from messaging.auth import SessionEnded
from messaging.http_errors import status_of
from messaging.models import ConversationStatus
from messaging.request_unread_total import shows_unread_total
from messaging.roles import Role
from messaging.send_limits import SendingTooFast, spend_send_budget
from messaging.services import messaging_service
from messaging.services.errors import ConversationClosed, FileTooLarge, InvalidInput, UnsupportedFileType
from messaging.unit_of_work import commit_writes, committing_at_once
from messaging.web import cases, htmx
from messaging.web.access import checks_sign_in_with_its_read, require_role, sign_in_again
from messaging.web.attachment_download import download_attachment
from messaging.web.forms import FormState, ListQuery, read_list_query, read_recipient, read_recipient_type
from messaging.web.unread_badge import unread_badge_fragment

# Refusals a user can fix in the form; shown next to it with what they typed.
FORM_REFUSALS = (InvalidInput, ConversationClosed, FileTooLarge, UnsupportedFileType, SendingTooFast)


def build_blueprint(role: Role) -> Blueprint:
    blueprint = Blueprint(role.pages.blueprint_name, __name__, url_prefix=role.pages.url_prefix)
    blueprint.before_request(require_role(role))
    blueprint.register_error_handler(SessionEnded, sign_in_again(role))
    blueprint.after_request(htmx.vary_on_htmx)
    routes = [
        ("", "inbox", checks_sign_in_with_its_read(inbox), ["GET"]),
        ("/unread-badge", "unread_badge", unread_badge, ["GET"]),
        ("/new", "compose", compose, ["GET", "POST"]),
        ("/recipients", "recipients", recipients, ["GET"]),
        ("/<page_id:conversation_id>", "thread", checks_sign_in_with_its_read(thread), ["GET"]),
        ("/<page_id:conversation_id>/updates", "thread_updates", checks_sign_in_with_its_read(thread_updates), ["GET"]),
        ("/<page_id:conversation_id>/earlier", "earlier_messages", checks_sign_in_with_its_read(earlier_messages),
         ["GET"]),
        ("/<page_id:conversation_id>/messages", "reply", reply, ["POST"]),
        ("/<page_id:conversation_id>/read", "mark_read", mark_read, ["POST"]),
        ("/<page_id:conversation_id>/close", "close", close, ["POST"]),
        ("/<page_id:conversation_id>/reopen", "reopen", reopen, ["POST"]),
        ("/<page_id:conversation_id>/preferences", "preferences", preferences, ["POST"]),
        ("/<page_id:conversation_id>/escalate", "escalate", cases.escalate, ["POST"]),
        ("/<page_id:conversation_id>/resolve", "resolve", cases.resolve, ["POST"]),
        ("/<page_id:conversation_id>/attachments/<page_id:attachment_id>", "attachment", download_attachment, ["GET"]),
    ]
    for rule, endpoint, view, methods in routes:
        blueprint.add_url_rule(rule, endpoint, view, methods=methods)
    return blueprint


# ------------------------------------------------------------------ the list and the thread


def inbox():
    list_query = read_list_query(request.args, g.pages)
    if htmx.wants_fragment():
        return _render("messages/_conversation_list.html", **_list_context(list_query))
    return _render_page(list_query=list_query)


def thread(conversation_id: int):
    before = request.args.get("before", type=int)
    if before is not None:
        # A page of older messages (the "Earlier messages" link without JavaScript): a read, nothing marked.
        detail = messaging_service().get_conversation(g.principal, conversation_id, before_message_id=before)
        unread_before = 0
    else:
        # Opening a thread is what marks it read; the polling refresh (thread_updates) never writes.
        opened = messaging_service().open_thread(g.principal, conversation_id)
        detail, unread_before = opened.detail, opened.unread_before
        commit_writes()  # marked read: the page renders (its badge and list counting after) outside the write
    # What was unread when it opened places the "New" divider.
    view = {"opened_unread": unread_before, "viewing_older": before is not None}
    if htmx.wants_fragment():
        body = _render("messages/_thread.html", detail=detail, reply_form=FormState(), **view)
        return htmx.fragment(body, *([htmx.MESSAGES_READ] if unread_before else []))
    return _render_page(detail=detail, **view)


def earlier_messages(conversation_id: int):
    """The page of messages before ``before``, put in place of the "Earlier messages" link."""
    before = request.args.get("before", type=int)
    if not htmx.wants_fragment() or before is None:
        return redirect(g.pages.url("thread", conversation_id=conversation_id, before=before))
    detail = messaging_service().get_conversation(g.principal, conversation_id, before_message_id=before)
    return _render("messages/_earlier_messages.html", detail=detail, messages=detail.messages)


def thread_updates(conversation_id: int):
    """Polled by the open thread: messages newer than ``after``, or the whole panel if the status changed."""
    if not htmx.wants_fragment():
        return redirect(g.pages.url("thread", conversation_id=conversation_id))
    detail = messaging_service().get_conversation(g.principal, conversation_id)
    after = request.args.get("after", type=int) or 0
    if request.args.get("status") != detail.status.value:
        body = _render("messages/_thread.html", detail=detail, reply_form=FormState())
        return htmx.fragment(body, retarget="#thread-panel", reswap="outerHTML")
    new_messages = [message for message in detail.messages if message.id > after]
    if not new_messages:
        return Response(status=204)
    return _render("messages/_thread_updates.html", detail=detail, new_messages=new_messages)


def mark_read(conversation_id: int):
    """Messages that polling brought into the open thread have been seen: the page posts here."""
    was_unread = messaging_service().mark_conversation_read(g.principal, conversation_id)
    if htmx.wants_fragment():
        return htmx.htmx_response("", 204, trigger={htmx.MESSAGES_READ: None} if was_unread else None)
    return redirect(g.pages.url("thread", conversation_id=conversation_id))


@shows_unread_total
def unread_badge():
    if not htmx.wants_fragment():
        return redirect(g.pages.url("inbox"))
    return unread_badge_fragment(g.pages)


# ------------------------------------------------------------------ writing


def reply(conversation_id: int):
    values = {"content": request.form.get("content", "")}
    try:
        spend_send_budget(g.principal)
        with committing_at_once():  # the request's only write, committed next
            messaging_service().send_message(
                g.principal, conversation_id, values["content"], request.files.getlist("attachments")
            )
    except FORM_REFUSALS as refusal:
        return _refused_reply(conversation_id, FormState.refused(values, refusal), status_of(refusal))
    commit_writes()
    if htmx.wants_fragment():
        # A fresh form, for a conversation the send just proved open and in scope: nothing to read again.
        return htmx.fragment(_render("messages/_reply_form.html", conversation_id=conversation_id,
                                     reply_form=FormState()), htmx.MESSAGE_SENT)
    flash("Message sent.", "success")
    return redirect(g.pages.url("thread", conversation_id=conversation_id) + "#latest")


def _refused_reply(conversation_id: int, form: FormState, status: int):
    if htmx.wants_fragment():
        # Read again so that a conversation out of the caller's scope still answers 404 whatever was refused.
        messaging_service().get_conversation(g.principal, conversation_id)
        return _render("messages/_reply_form.html", conversation_id=conversation_id, reply_form=form), status
    return _render_page(conversation_id=conversation_id, reply_form=form), status


def close(conversation_id: int):
    return _change_status(conversation_id, ConversationStatus.CLOSED)


def reopen(conversation_id: int):
    return _change_status(conversation_id, ConversationStatus.OPEN)


def _change_status(conversation_id: int, status: ConversationStatus):
    service = messaging_service()
    if status == ConversationStatus.CLOSED:
        detail = service.close_conversation(g.principal, conversation_id)
    else:
        detail = service.reopen_conversation(g.principal, conversation_id)
    if htmx.wants_fragment():
        body = _render("messages/_thread.html", detail=detail, reply_form=FormState())
        return htmx.fragment(body, htmx.CONVERSATION_CHANGED)
    flash("Conversation closed." if status == ConversationStatus.CLOSED else "Conversation reopened.", "success")
    return redirect(g.pages.url("thread", conversation_id=conversation_id))


def preferences(conversation_id: int):
    enabled = messaging_service().update_preferences(
        g.principal, conversation_id, email_notifications=request.form.get("email_notifications") == "on"
    )
    if htmx.wants_fragment():
        return _render("messages/_preferences.html", conversation_id=conversation_id,
                       email_notifications=enabled, saved=True)
    flash("Email notifications are on." if enabled else "Email notifications are off.", "success")
    return redirect(g.pages.url("thread", conversation_id=conversation_id))


# ------------------------------------------------------------------ composing


def compose():
    """The compose form: a modal with htmx, a page of its own without JavaScript."""
    if g.role.policy.starts_with_own_shop:
        return cases.compose_to_shop()  # customers write to their shop, naming no one (decisions §7)
    form = FormState(values=_compose_values())
    status = 200
    if request.method == "POST" and request.form.get("action") != "search":
        try:
            return _created(_create_conversation(form))
        except FORM_REFUSALS as refusal:
            form, status = FormState.refused(form.values, refusal), status_of(refusal)
    recipient_type = read_recipient_type(form.get("recipient_type"), g.role)
    options = messaging_service().list_recipients(g.principal, recipient_type, form.get("recipient_q"))
    if not htmx.wants_fragment():
        template = "messages/compose.html"
    elif request.method == "POST":
        template = "messages/_compose_form.html"  # a search or a refusal: the form in place, as typed
    else:
        template = "messages/_compose_dialog.html"
    return _render(template, form=form, recipient_type=recipient_type, options=options), status


def _create_conversation(form: FormState):
    choice = read_recipient(form.get("recipient"))
    spend_send_budget(g.principal)
    conversation_type = g.role.conversation_type_for(choice.type)
    if conversation_type is None:
        raise InvalidInput("Choose who the conversation is with.", fields={"recipient": "Choose a recipient."})
    return messaging_service().create_conversation(
        g.principal,
        conversation_type=conversation_type,
        subject=form.get("subject"),
        recipient_type=choice.type,
        recipient_id=choice.id,
        vendor_id=choice.vendor_id,
        initial_message=form.get("initial_message"),
        uploads=request.files.getlist("attachments"),
        context_type=form.get("context_type"),
        context_ref=form.get("context_ref"),
        context_label=form.get("context_label"),
    )


def _compose_values() -> dict:
    source = request.form if request.method == "POST" else request.args
    return {name: source.get(name, "") for name in
            ("recipient_type", "recipient_q", "recipient", "subject", "initial_message",
             "context_type", "context_ref", "context_label")}


def _created(detail):
    if htmx.wants_fragment():
        # One response does it all: the new thread replaces the open one, the list and the modal follow the events.
        body = _render("messages/_thread.html", detail=detail, reply_form=FormState())
        return htmx.fragment(body, htmx.CONVERSATION_CHANGED, htmx.COMPOSE_DONE, retarget="#thread-panel",
                             reswap="outerHTML", push_url=g.pages.url("thread", conversation_id=detail.id))
    flash("Conversation started.", "success")
    return redirect(g.pages.url("thread", conversation_id=detail.id))


def recipients():
    """The picker's options for a search, as the compose form's radio buttons."""
    recipient_type = read_recipient_type(request.args.get("recipient_type"), g.role)
    if not htmx.wants_fragment():
        # A role that writes to nobody has no recipient type: compose refuses it (the service says no).
        return redirect(g.pages.url("compose", recipient_type=recipient_type.value if recipient_type else None,
                                    recipient_q=request.args.get("recipient_q", "")))
    options = messaging_service().list_recipients(g.principal, recipient_type, request.args.get("recipient_q", ""))
    return _render("messages/_recipient_options.html", options=options, form=FormState())


# ------------------------------------------------------------------ rendering


def _render_page(*, list_query: ListQuery | None = None, conversation_id: int | None = None,
                 detail=None, reply_form: FormState | None = None, **extra_context):
    """The full page: the list (beside the thread on admin and vendor pages) and the open thread."""
    list_query = list_query or read_list_query(request.args, g.pages)
    if detail is None and conversation_id is not None:
        detail = messaging_service().get_conversation(g.principal, conversation_id)
    context = {"detail": detail, "reply_form": reply_form or FormState(), "list_query": list_query, **extra_context}
    if g.pages.split_panel or detail is None:
        context.update(_list_context(list_query))
    return _render("messages/page.html", **context)


def _list_context(list_query: ListQuery) -> dict:
    try:
        listing = messaging_service().list_conversations(g.principal, list_query.to_filters())
        list_error = None
    except InvalidInput as refusal:
        listing, list_error = None, refusal.message
    # A search shows, under each conversation, its newest message with the words (one query).
    matches = messaging_service().matching_messages([item.id for item in listing.items], list_query.q) \
        if listing and list_query.q else {}
    return {"listing": listing, "list_query": list_query, "list_error": list_error, "matches": matches}


def _render(template: str, **context) -> str:
    return render_template(template, role=g.role, pages=g.pages, **context)
