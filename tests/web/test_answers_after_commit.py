"""A write's answer is read back and rendered after its commit: while a reply's fresh form or a
thread just marked read renders, no lock of the write is held, so the conversation's senders are
not kept waiting (SQLite's one writer, PostgreSQL's row locks on the conversation and its
participants)."""
import sqlite3

import psycopg
import pytest
from flask import before_render_template
from sqlalchemy import func, select

from messaging.extensions import db
from messaging.models import ConversationParticipant, Message
from messaging.services import messaging_service
from tests.web.page_support import HTMX

pytestmark = pytest.mark.sqlite_file_database


def another_sender_could_write(conversation_id: int) -> bool:
    """Whether another connection could write to the conversation now, without waiting for a lock."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        probe = sqlite3.connect(url.database, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")  # SQLite's write lock: refused at once while a writer holds it
            probe.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            probe.close()
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as probe:
        try:
            # The locks a send takes: its UPDATEs of the conversation and of its participants.
            probe.execute("SELECT 1 FROM conversations WHERE id = %s FOR NO KEY UPDATE NOWAIT", (conversation_id,))
            probe.execute("SELECT 1 FROM conversation_participants WHERE conversation_id = %s FOR NO KEY UPDATE NOWAIT",
                          (conversation_id,))
            return True
        except psycopg.errors.LockNotAvailable:
            return False


def unread_in(conversation_id: int, principal) -> int:
    return db.session.scalar(select(ConversationParticipant.unread_count).where(
        ConversationParticipant.conversation_id == conversation_id,
        ConversationParticipant.participant_type == principal.type,
        ConversationParticipant.participant_id == principal.id))


def test_the_htmx_reply_renders_its_fresh_form_after_committing(app, signed_in):
    conversation_id = signed_in.conversation_id
    seen_while_rendering = []

    def check(_app, template, context, **_extra):
        seen_while_rendering.append((template.name, another_sender_could_write(conversation_id)))

    messages_before = db.session.scalar(select(func.count()).select_from(Message))
    with before_render_template.connected_to(check, app):
        response = signed_in.client.post(signed_in.url(f"/{conversation_id}/messages"),
                                         data={"content": "Rendered after the commit"}, headers=HTMX)
    assert response.status_code == 200
    assert seen_while_rendering and seen_while_rendering[0][0] == "messages/_reply_form.html"
    assert all(free for _, free in seen_while_rendering)
    assert db.session.scalar(select(func.count()).select_from(Message)) == messages_before + 1


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["fragment", "page"])
def test_opening_a_thread_with_unread_messages_renders_it_after_marking_it_read(app, signed_in, headers):
    conversation_id = signed_in.conversation_id
    assert unread_in(conversation_id, signed_in.principal) > 0
    seen_while_rendering = []

    def check(_app, template, context, **_extra):
        seen_while_rendering.append(another_sender_could_write(conversation_id))

    with before_render_template.connected_to(check, app):
        response = signed_in.client.get(signed_in.url(f"/{conversation_id}"), headers=headers)
    assert response.status_code == 200
    assert seen_while_rendering and all(seen_while_rendering)
    assert unread_in(conversation_id, signed_in.principal) == 0


def test_a_probe_while_a_reply_is_being_written_finds_it_locked(app, signed_in):
    """The probe above can fail: inside a reply's transaction another sender has to wait."""
    conversation_id = signed_in.conversation_id
    with app.test_request_context():
        messaging_service().send_message(signed_in.principal, conversation_id, "Not committed yet")
        assert not another_sender_could_write(conversation_id)
        db.session.rollback()
    assert another_sender_could_write(conversation_id)
