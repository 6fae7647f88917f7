"""MessagingService: the specification's conversation operations, for every role.

Where to look for a rule:

- who may see what: :mod:`messaging.roles` (the policies) and :mod:`messaging.policy` (their SQL),
  applied by :mod:`.scope` to every query;
- reading (thread, inbox, badge, downloads): :mod:`.queries`, assembled by :mod:`.assembly`;
- writing (start, post, close/reopen, read, preferences): :mod:`.commands`;
- marketplace cases (escalate, resolve, customers starting with their shop): :mod:`.cases`;
- what a conversation is about (order or product, and its link): :mod:`.context`;
- whom one may write to: :mod:`.recipients`;
- what input must look like: :mod:`.validation`.

The service adds and flushes; the caller's unit of work commits (:mod:`messaging.unit_of_work`).
"""
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from messaging.identity import Principal
from messaging.models import ConversationStatus, ConversationType, ParticipantType
from messaging.roles import policy_for
from messaging.services.attachments import MessageAttachmentService, Upload
from messaging.services.conversations import assembly
from messaging.services.conversations.cases import ConversationCases, ShopConversation, ensure_customer_may_start
from messaging.services.conversations.commands import ConversationCommands, NewConversation
from messaging.services.conversations.context import checked_context
from messaging.services.conversations.queries import AttachmentDownload, ConversationQueries, ListFilters
from messaging.services.conversations.recipients import RecipientDirectory
from messaging.services.errors import InvalidInput, NotAllowed
from messaging.services.read_models import ConversationDetail, ConversationPage, MessageItem, Recipient
from messaging.services.search import matching_messages

__all__ = ["AttachmentDownload", "ListFilters", "MessagingService", "NewConversation", "OpenedThread", "ShopConversation"]


@dataclass(frozen=True)
class OpenedThread:
    detail: ConversationDetail
    # Unread messages of the caller when they opened it (now read): the newest this many are new to them.
    unread_before: int


class MessagingService:
    def __init__(self, session: Session, attachments: MessageAttachmentService):
        self.session = session
        self.attachments = attachments
        self.queries = ConversationQueries(session, attachments)
        self.commands = ConversationCommands(session, attachments)
        self.recipients = RecipientDirectory(session)
        self.cases = ConversationCases(session, self.commands)

    # ------------------------------------------------------------------ reading

    def get_conversation(
        self, principal: Principal, conversation_id: int, *, before_message_id: int | None = None
    ) -> ConversationDetail:
        """The thread with its latest messages (or those before ``before_message_id``), access checked."""
        return self.queries.thread(principal, conversation_id, before_message_id=before_message_id)

    def open_thread(self, principal: Principal, conversation_id: int) -> OpenedThread:
        """What opening a thread does: mark it read (only if something was unread) and show it; one read of it,
        the conversation and its messages, before the mark (marking it read changes no message)."""
        scoped, page = assembly.scoped_thread(self.session, principal, conversation_id)
        self.commands.mark_loaded_read(principal, scoped)
        detail = self.queries.detail(principal, replace(scoped, unread_count=0), page)
        return OpenedThread(detail=detail, unread_before=scoped.unread_count)

    def list_conversations(self, principal: Principal, filters: ListFilters = ListFilters()) -> ConversationPage:
        return self.queries.page(principal, filters)

    def matching_messages(self, conversation_ids: list[int], search: str) -> dict:
        """For a search's results page: each conversation's newest message with the words (one query)."""
        return matching_messages(self.session, conversation_ids, search)

    def get_unread_count(self, principal: Principal) -> int:
        return self.queries.unread_total(principal)

    def list_recipients(
        self, principal: Principal, recipient_type: ParticipantType, search: str = "", limit: int = 20
    ) -> list[Recipient]:
        return self.recipients.search(principal, recipient_type, search, limit)

    def get_attachment(self, principal: Principal, conversation_id: int, attachment_id: int) -> AttachmentDownload:
        return self.queries.attachment(principal, conversation_id, attachment_id)

    # ------------------------------------------------------------------ writing

    def create_conversation(
        self,
        principal: Principal,
        *,
        conversation_type: ConversationType | None = None,
        subject: str,
        recipient_type: ParticipantType | None = None,
        recipient_id: int | None = None,
        initial_message: str,
        vendor_id: int | None = None,
        uploads: list[Upload] = (),
        context_type: str | None = None,
        context_ref: str | None = None,
        context_label: str | None = None,
    ) -> ConversationDetail:
        """Staff write to a recipient; a customer writes to their own shop (decisions §7), naming no one."""
        if policy_for(principal).starts_with_own_shop:
            conversation_id = self._start_with_own_shop(
                principal, conversation_type, recipient_type, recipient_id,
                ShopConversation(subject, initial_message, context_type, context_ref, context_label, uploads),
            )
            return self.queries.thread(principal, conversation_id)
        missing = {name: "Required." for name, value in (
            ("conversation_type", conversation_type), ("recipient_type", recipient_type), ("recipient_id", recipient_id),
        ) if value is None}
        if missing and policy_for(principal).can_create:
            raise InvalidInput("Say what kind of conversation it is and who it goes to.", fields=missing)
        conversation_id = self.commands.start_conversation(
            principal,
            NewConversation(conversation_type, subject, recipient_type, recipient_id, initial_message,
                            vendor_id, uploads, checked_context(context_type, context_ref, context_label)),
        )
        return self.queries.thread(principal, conversation_id)

    def _start_with_own_shop(self, principal, conversation_type, recipient_type, recipient_id, draft) -> int:
        ensure_customer_may_start(principal)
        if conversation_type not in (None, ConversationType.VENDOR_CUSTOMER):
            raise NotAllowed("You can start conversations with your shop only.")
        if recipient_type is not None or recipient_id is not None:
            raise InvalidInput("Customers write to their own shop: leave the recipient out.",
                               fields={"recipient_id": "Leave out: the conversation goes to your shop."})
        return self.cases.start_with_own_shop(principal, draft)

    def start_with_own_shop(self, principal: Principal, draft: ShopConversation) -> ConversationDetail:
        """A customer's conversation with their shop (pages); refused while the platform does not allow it."""
        return self.queries.thread(principal, self.cases.start_with_own_shop(principal, draft))

    def escalate(self, principal: Principal, conversation_id: int, reason: str) -> ConversationDetail:
        """Ask the marketplace to step in (the customer or the shop's staff, decisions §7)."""
        self.cases.escalate(principal, conversation_id, reason)
        return self.queries.thread(principal, conversation_id)

    def resolve(self, principal: Principal, conversation_id: int) -> ConversationDetail:
        """An admin marks the escalation resolved."""
        self.cases.resolve(principal, conversation_id)
        return self.queries.thread(principal, conversation_id)

    def send_message(
        self, principal: Principal, conversation_id: int, content: str, uploads: list[Upload] = ()
    ) -> MessageItem:
        return self.commands.post_message(principal, conversation_id, content, uploads)

    def mark_conversation_read(self, principal: Principal, conversation_id: int) -> bool:
        """Zero the caller's unread count; True when there was something unread."""
        return self.commands.mark_read(principal, conversation_id)

    def close_conversation(self, principal: Principal, conversation_id: int) -> ConversationDetail:
        self.commands.change_status(principal, conversation_id, ConversationStatus.CLOSED)
        return self.queries.thread(principal, conversation_id)

    def reopen_conversation(self, principal: Principal, conversation_id: int) -> ConversationDetail:
        self.commands.change_status(principal, conversation_id, ConversationStatus.OPEN)
        return self.queries.thread(principal, conversation_id)

    def update_preferences(self, principal: Principal, conversation_id: int, *, email_notifications: bool) -> bool:
        return self.commands.set_email_notifications(principal, conversation_id, email_notifications)
