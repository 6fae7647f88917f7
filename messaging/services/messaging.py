"""MessagingService: every business rule of conversations, for every role.

Access is decided by :mod:`messaging.policy`; every query below starts from
:meth:`MessagingService._scoped`, so what a principal may not see is simply absent.
Counters move with single SQL updates (``x = x + 1``), never read-modify-write.
"""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from messaging.clock import utcnow
from messaging.identity import Principal
from messaging.models import (
    Conversation,
    ConversationParticipant,
    ConversationStatus,
    ConversationType,
    Customer,
    Message,
    MessageAttachment,
    ParticipantType,
    User,
    Vendor,
    VendorUser,
)
from messaging.models.conversation import PREVIEW_LENGTH, SUBJECT_MAX_LENGTH
from messaging.policy import RolePolicy, own_row_join, policy_for, scope_clause
from messaging.services.attachments import MessageAttachmentService, StoredFile, Upload, ValidatedFile
from messaging.services.errors import ConversationClosed, InvalidInput, NotAllowed, NotFound
from messaging.services.names import resolve_names
from messaging.services.search import search_clause  # inbox-ux
from messaging.services.read_models import (
    AttachmentInfo,
    ConversationDetail,
    ConversationPage,
    ConversationSummary,
    MessageItem,
    ParticipantRef,
    Recipient,
    VendorRef,
)

CONTENT_MAX_LENGTH = 10_000
THREAD_PAGE_SIZE = 100
MAX_PER_PAGE = 100
MAX_RECIPIENT_LIMIT = 50
SEARCH_MAX_LENGTH = 200


@dataclass(frozen=True)
class ListFilters:
    status: ConversationStatus | None = None
    conversation_type: ConversationType | None = None
    unread_only: bool = False
    search: str = ""
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class AttachmentDownload:
    info: AttachmentInfo
    path: str


class MessagingService:
    def __init__(self, session: Session, attachments: MessageAttachmentService):
        self.session = session
        self.attachments = attachments

    # ------------------------------------------------------------------ reading

    def _scoped(self, principal: Principal, *columns):
        """SELECT of conversations the principal may see, joined to their own participant row (if any)."""
        own_row = aliased(ConversationParticipant, name="own_row")
        query = select(Conversation, own_row.unread_count, own_row.email_notifications, own_row.id, *columns)
        if policy_for(principal).participants_only:
            # Only conversations they are in: an inner join lets the planner start from their own rows.
            query = query.join(own_row, own_row_join(principal, own_row))
        else:
            query = query.outerjoin(own_row, own_row_join(principal, own_row))
        return query.where(scope_clause(principal, own_row)), own_row

    def get_conversation(
        self, principal: Principal, conversation_id: int, *, before_message_id: int | None = None
    ) -> ConversationDetail:
        """The thread with its latest messages (or those before ``before_message_id``), access checked."""
        conversation, unread, email_notifications, own_row_id = self._load(principal, conversation_id)
        messages_query = select(Message).where(Message.conversation_id == conversation.id)
        if before_message_id is not None:
            messages_query = messages_query.where(Message.id < before_message_id)
        newest_first = self.session.scalars(
            messages_query.order_by(Message.id.desc()).limit(THREAD_PAGE_SIZE + 1)
        ).all()
        has_more = len(newest_first) > THREAD_PAGE_SIZE
        messages = list(reversed(newest_first[:THREAD_PAGE_SIZE]))
        attachments_by_message = self._attachments_for([message.id for message in messages])
        participants = self._participants_for([conversation.id])[conversation.id]
        names = resolve_names(
            self.session,
            [ref for ref in participants] + [(m.sender_type, m.sender_id) for m in messages],
        )
        policy = policy_for(principal)
        vendors = self._vendor_refs({conversation.vendor_id} - {None})
        summary = self._summary(conversation, unread or 0, participants, names, vendors)
        return ConversationDetail(
            summary=summary,
            messages=[self._message_item(m, names, attachments_by_message[m.id]) for m in messages],
            has_more_messages=has_more,
            email_notifications=True if own_row_id is None else bool(email_notifications),
            can_reply=summary.is_open,
            can_close=policy.can_close,
        )

    def _load(self, principal: Principal, conversation_id: int):
        query, _ = self._scoped(principal)
        row = self.session.execute(query.where(Conversation.id == conversation_id)).first()
        if row is None:
            raise NotFound()
        return row

    def list_conversations(self, principal: Principal, filters: ListFilters = ListFilters()) -> ConversationPage:
        _validate_paging(filters.page, filters.per_page)
        query, own_row = self._scoped(principal)
        conditions = []
        if filters.status is not None:
            conditions.append(Conversation.status == filters.status)
        if filters.conversation_type is not None:
            conditions.append(Conversation.conversation_type == filters.conversation_type)
        if filters.unread_only:
            conditions.append(own_row.unread_count > 0)
        search = (filters.search or "").strip()
        if len(search) > SEARCH_MAX_LENGTH:
            raise InvalidInput("Search is too long.", fields={"q": f"At most {SEARCH_MAX_LENGTH} characters."})
        if search:
            # inbox-ux: full-text search (messages, subjects, people, shops) lives in services/search.py.
            conditions.append(search_clause(self.session, search, principal))
        query = query.where(*conditions)

        # The total counts conversations, so it joins the caller's own row only when a condition needs it.
        count_query = select(func.count()).select_from(Conversation)
        if policy_for(principal).participants_only or filters.unread_only:
            count_query = count_query.join(own_row, own_row_join(principal, own_row))
        total = self.session.scalar(count_query.where(scope_clause(principal, own_row), *conditions))
        rows = self.session.execute(
            query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
            .limit(filters.per_page)
            .offset((filters.page - 1) * filters.per_page)
        ).all()
        conversations = [row[0] for row in rows]
        participants = self._participants_for([c.id for c in conversations])
        names = resolve_names(self.session, [ref for refs in participants.values() for ref in refs])
        vendors = self._vendor_refs({c.vendor_id for c in conversations if c.vendor_id})
        items = [
            self._summary(row[0], row[1] or 0, participants[row[0].id], names, vendors)
            for row in rows
        ]
        return ConversationPage(items=items, total=total, page=filters.page, per_page=filters.per_page)

    def get_unread_count(self, principal: Principal) -> int:
        """The header badge: unread messages summed over the caller's conversations in scope."""
        own_row = aliased(ConversationParticipant, name="own_row")
        query = (
            select(func.coalesce(func.sum(own_row.unread_count), 0))
            .select_from(own_row)
            .where(
                own_row.participant_type == principal.type,
                own_row.participant_id == principal.id,
                own_row.unread_count > 0,
            )
        )
        # Where the role's own rows are all in scope, the sum reads the partial
        # index alone, with no lookup of the conversation per unread row.
        if not policy_for(principal).own_rows_always_in_scope:
            query = query.join(Conversation, Conversation.id == own_row.conversation_id).where(
                scope_clause(principal, own_row)
            )
        return int(self.session.scalar(query) or 0)

    def list_recipients(
        self, principal: Principal, recipient_type: ParticipantType, search: str = "", limit: int = 20
    ) -> list[Recipient]:
        policy = policy_for(principal)
        if not policy.can_create:
            raise NotAllowed("You cannot start conversations.")
        if recipient_type not in policy.recipient_types:
            allowed = ", ".join(t.value for t in policy.recipient_types)
            raise InvalidInput(f"Recipient type must be one of: {allowed}.", fields={"type": f"One of: {allowed}."})
        if not 1 <= limit <= MAX_RECIPIENT_LIMIT:
            raise InvalidInput(
                f"Limit must be between 1 and {MAX_RECIPIENT_LIMIT}.",
                fields={"limit": f"Between 1 and {MAX_RECIPIENT_LIMIT}."},
            )
        pattern = _like_pattern(search.strip()[:SEARCH_MAX_LENGTH])
        if recipient_type == ParticipantType.VENDOR:
            query = (
                select(User, Vendor)
                .join(VendorUser, VendorUser.user_id == User.id)
                .join(Vendor, Vendor.id == VendorUser.vendor_id)
                .where(User.is_active.is_(True), Vendor.is_active.is_(True))
                .order_by(User.full_name, Vendor.name, User.id)
            )
            if pattern:
                query = query.where(
                    or_(User.full_name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"),
                        Vendor.name.ilike(pattern, escape="\\"))
                )
        else:
            query = (
                select(Customer, Vendor)
                .join(Vendor, Vendor.id == Customer.vendor_id)
                .where(Customer.is_active.is_(True), Vendor.is_active.is_(True))
                .order_by(Customer.full_name, Customer.id)
            )
            if policy.scoped_to_vendor:
                query = query.where(Customer.vendor_id == principal.vendor_id)
            if pattern:
                query = query.where(
                    or_(Customer.full_name.ilike(pattern, escape="\\"), Customer.email.ilike(pattern, escape="\\"))
                )
        return [
            Recipient(
                type=recipient_type,
                id=account.id,
                name=account.full_name,
                email=account.email,
                vendor=VendorRef(vendor.id, vendor.name),
            )
            for account, vendor in self.session.execute(query.limit(limit)).all()
        ]

    def get_attachment(self, principal: Principal, conversation_id: int, attachment_id: int) -> AttachmentDownload:
        self._load(principal, conversation_id)
        attachment = self.session.scalar(
            select(MessageAttachment)
            .join(Message, Message.id == MessageAttachment.message_id)
            .where(MessageAttachment.id == attachment_id, Message.conversation_id == conversation_id)
        )
        if attachment is None:
            raise NotFound("Attachment not found.")
        return AttachmentDownload(
            info=_attachment_info(attachment, conversation_id),
            path=str(self.attachments.absolute_path(attachment.storage_path)),
        )

    # ------------------------------------------------------------------ writing

    def create_conversation(
        self,
        principal: Principal,
        *,
        conversation_type: ConversationType,
        subject: str,
        recipient_type: ParticipantType,
        recipient_id: int,
        initial_message: str,
        vendor_id: int | None = None,
        uploads: list[Upload] = (),
    ) -> ConversationDetail:
        policy = policy_for(principal)
        if not policy.can_create:
            raise NotAllowed("You can reply to conversations but not start them.")
        if conversation_type not in policy.creatable:
            raise NotAllowed(f"You cannot start {conversation_type.value} conversations.")
        expected_recipient = policy.creatable[conversation_type]
        if recipient_type != expected_recipient:
            raise InvalidInput(
                f"A {conversation_type.value} conversation goes to a {expected_recipient.value}.",
                fields={"recipient_type": f"Must be {expected_recipient.value}."},
            )
        subject = _validate_subject(subject)
        content = _clean_content(initial_message)
        files = self.attachments.validate_all(uploads)
        _require_content(content, files, field="initial_message")
        conversation_vendor_id = self._recipient_vendor(principal, policy, recipient_type, recipient_id, vendor_id)

        now = utcnow()
        conversation = Conversation(
            conversation_type=conversation_type,
            subject=subject,
            status=ConversationStatus.OPEN,
            vendor_id=conversation_vendor_id,
            created_by_type=principal.type,
            created_by_id=principal.id,
            created_at=now,
            last_message_at=now,
            message_count=0,
            last_message_preview="",
        )
        conversation.participants = [
            ConversationParticipant(
                participant_type=principal.type, participant_id=principal.id, joined_at=now, last_read_at=now
            ),
            ConversationParticipant(participant_type=recipient_type, participant_id=recipient_id, joined_at=now),
        ]
        self.session.add(conversation)
        self._commit_message(conversation_id=None, conversation=conversation, sender=principal,
                             content=content, files=files, now=now, is_system=False)
        return self.get_conversation(principal, conversation.id)

    def send_message(
        self, principal: Principal, conversation_id: int, content: str, uploads: list[Upload] = ()
    ) -> MessageItem:
        conversation, *_ = self._load(principal, conversation_id)
        if conversation.status != ConversationStatus.OPEN:
            raise ConversationClosed()
        content = _clean_content(content)
        files = self.attachments.validate_all(uploads)
        _require_content(content, files, field="content")
        message = self._commit_message(
            conversation_id=conversation.id, conversation=None, sender=principal,
            content=content, files=files, now=utcnow(), is_system=False, require_open=True,
        )
        return self._single_message_item(message)

    def mark_conversation_read(self, principal: Principal, conversation_id: int) -> bool:
        """Zero the caller's unread count; True when there was something unread."""
        _, unread, _, own_row_id = self._load(principal, conversation_id)
        if own_row_id is None:
            return False
        self.session.execute(
            update(ConversationParticipant)
            .where(ConversationParticipant.id == own_row_id)
            .values(unread_count=0, last_read_at=utcnow())
        )
        self.session.commit()
        return bool(unread)

    def close_conversation(self, principal: Principal, conversation_id: int) -> ConversationDetail:
        return self._change_status(principal, conversation_id, ConversationStatus.CLOSED, "Closed by")

    def reopen_conversation(self, principal: Principal, conversation_id: int) -> ConversationDetail:
        return self._change_status(principal, conversation_id, ConversationStatus.OPEN, "Reopened by")

    def update_preferences(self, principal: Principal, conversation_id: int, *, email_notifications: bool) -> bool:
        conversation, *_ = self._load(principal, conversation_id)
        own_row = self._join_as_participant(conversation.id, principal)
        own_row.email_notifications = bool(email_notifications)
        self.session.commit()
        return own_row.email_notifications

    # ------------------------------------------------------------------ internals

    def _change_status(self, principal, conversation_id, new_status, verb) -> ConversationDetail:
        conversation, *_ = self._load(principal, conversation_id)
        if not policy_for(principal).can_close:
            raise NotAllowed("You cannot close or reopen conversations.")
        if conversation.status != new_status:
            now = utcnow()
            # None when a concurrent request made the same change first: nothing more to record.
            self._commit_message(
                conversation_id=conversation.id, conversation=None, sender=principal,
                content=f"{verb} {principal.name}", files=[], now=now, is_system=True,
                status_change=new_status,
            )
        return self.get_conversation(principal, conversation_id)

    def _commit_message(
        self,
        *,
        conversation_id: int | None,
        conversation: Conversation | None,
        sender: Principal,
        content: str,
        files: list[ValidatedFile],
        now,
        is_system: bool,
        require_open: bool = False,
        status_change: ConversationStatus | None = None,
    ) -> Message | None:
        """Write one message with its files and counters in one transaction; nothing survives a failure.

        The conversation row is updated first with a guarded UPDATE: it locks the row
        (PostgreSQL) so a concurrent close cannot slip between check and insert.
        """
        stored: list[StoredFile] = []
        try:
            if conversation is not None:
                self.session.flush()
                conversation_id = conversation.id
            guard = [Conversation.id == conversation_id]
            values = {
                "message_count": Conversation.message_count + 1,
                "last_message_at": now,
                "last_message_preview": _preview(content, files),
            }
            if require_open:
                guard.append(Conversation.status == ConversationStatus.OPEN)
            if status_change is not None:
                guard.append(Conversation.status != status_change)
                values["status"] = status_change
                values["closed_at"] = now if status_change == ConversationStatus.CLOSED else None
            result = self.session.execute(
                update(Conversation).where(*guard).values(**values).execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                self.session.rollback()
                if require_open:
                    raise ConversationClosed()
                return None
            self._join_as_participant(conversation_id, sender, now=now)
            message = Message(
                conversation_id=conversation_id,
                sender_type=sender.type,
                sender_id=sender.id,
                content=content,
                is_system_message=is_system,
                created_at=now,
            )
            self.session.add(message)
            self.session.flush()
            stored = self.attachments.store_all(conversation_id, files, now=now)
            for item in stored:
                self.session.add(
                    MessageAttachment(
                        message_id=message.id,
                        original_filename=item.validated.filename,
                        storage_path=item.storage_path,
                        content_type=item.validated.content_type,
                        size_bytes=item.validated.size_bytes,
                        is_image=item.validated.is_image,
                        created_at=now,
                    )
                )
            self.session.execute(
                update(ConversationParticipant)
                .where(
                    ConversationParticipant.conversation_id == conversation_id,
                    ~and_(
                        ConversationParticipant.participant_type == sender.type,
                        ConversationParticipant.participant_id == sender.id,
                    ),
                )
                .values(unread_count=ConversationParticipant.unread_count + 1)
                .execution_options(synchronize_session=False)
            )
            self.session.commit()
        except BaseException:
            self.session.rollback()
            self.attachments.discard(stored)
            raise
        return message

    def _join_as_participant(self, conversation_id: int, principal: Principal, *, now=None) -> ConversationParticipant:
        """A team member who acts in a conversation becomes one of its participants."""
        own_row = self.session.scalar(
            select(ConversationParticipant).where(
                ConversationParticipant.conversation_id == conversation_id,
                ConversationParticipant.participant_type == principal.type,
                ConversationParticipant.participant_id == principal.id,
            )
        )
        if own_row is not None:
            return own_row
        own_row = ConversationParticipant(
            conversation_id=conversation_id,
            participant_type=principal.type,
            participant_id=principal.id,
            unread_count=0,
            joined_at=now or utcnow(),
            last_read_at=now or utcnow(),
        )
        try:
            with self.session.begin_nested():
                self.session.add(own_row)
        except IntegrityError:
            # Joined concurrently by another request of the same principal: use that row.
            return self.session.scalars(
                select(ConversationParticipant).where(
                    ConversationParticipant.conversation_id == conversation_id,
                    ConversationParticipant.participant_type == principal.type,
                    ConversationParticipant.participant_id == principal.id,
                )
            ).one()
        return own_row

    def _recipient_vendor(
        self,
        principal: Principal,
        policy: RolePolicy,
        recipient_type: ParticipantType,
        recipient_id: int,
        vendor_id: int | None,
    ) -> int:
        """Check the recipient is an active account the principal may reach; return the conversation's vendor."""
        unknown = InvalidInput("No such recipient.", fields={"recipient_id": "No such recipient."})
        if recipient_type == ParticipantType.CUSTOMER:
            customer = self.session.get(Customer, recipient_id)
            if customer is None or not customer.is_active:
                raise unknown
            if policy.scoped_to_vendor and customer.vendor_id != principal.vendor_id:
                raise unknown
            if vendor_id is not None and vendor_id != customer.vendor_id:
                raise InvalidInput(
                    "The customer does not belong to that vendor.",
                    fields={"vendor_id": "Does not match the customer's shop."},
                )
            return customer.vendor_id
        user = self.session.get(User, recipient_id)
        if user is None or not user.is_active:
            raise unknown
        vendor_ids = set(
            self.session.scalars(
                select(VendorUser.vendor_id)
                .join(Vendor, Vendor.id == VendorUser.vendor_id)
                .where(VendorUser.user_id == recipient_id, Vendor.is_active.is_(True))
            )
        )
        if not vendor_ids:
            raise unknown
        if vendor_id is None:
            if len(vendor_ids) > 1:
                raise InvalidInput(
                    "This user works for several vendors: choose one.",
                    fields={"vendor_id": "Required for a user of several vendors."},
                )
            return next(iter(vendor_ids))
        if vendor_id not in vendor_ids:
            raise InvalidInput(
                "The user is not staff of that vendor.", fields={"vendor_id": "Not one of the user's vendors."}
            )
        return vendor_id

    def _participants_for(self, conversation_ids: list[int]) -> dict[int, list[tuple[ParticipantType, int]]]:
        participants: dict[int, list[tuple[ParticipantType, int]]] = defaultdict(list)
        if not conversation_ids:
            return participants
        rows = self.session.execute(
            select(
                ConversationParticipant.conversation_id,
                ConversationParticipant.participant_type,
                ConversationParticipant.participant_id,
            )
            .where(ConversationParticipant.conversation_id.in_(conversation_ids))
            .order_by(ConversationParticipant.id)
        ).all()
        for conversation_id, participant_type, participant_id in rows:
            participants[conversation_id].append((participant_type, participant_id))
        return participants

    def _attachments_for(self, message_ids: list[int]) -> dict[int, list[MessageAttachment]]:
        by_message: dict[int, list[MessageAttachment]] = defaultdict(list)
        if not message_ids:
            return by_message
        for attachment in self.session.scalars(
            select(MessageAttachment)
            .where(MessageAttachment.message_id.in_(message_ids))
            .order_by(MessageAttachment.id)
        ):
            by_message[attachment.message_id].append(attachment)
        return by_message

    def _vendor_refs(self, vendor_ids: set[int]) -> dict[int, VendorRef]:
        if not vendor_ids:
            return {}
        rows = self.session.execute(select(Vendor.id, Vendor.name).where(Vendor.id.in_(vendor_ids))).all()
        return {vendor_id: VendorRef(vendor_id, name) for vendor_id, name in rows}

    def _summary(self, conversation, unread, participant_keys, names, vendors) -> ConversationSummary:
        vendor = vendors.get(conversation.vendor_id) if conversation.vendor_id else None
        return ConversationSummary(
            id=conversation.id,
            conversation_type=ConversationType(conversation.conversation_type),
            subject=conversation.subject,
            status=ConversationStatus(conversation.status),
            vendor=vendor,
            participants=[ParticipantRef(t, i, names[(t, i)]) for t, i in participant_keys],
            last_message_preview=conversation.last_message_preview,
            last_message_at=conversation.last_message_at,
            message_count=conversation.message_count,
            unread_count=int(unread),
            created_at=conversation.created_at,
        )

    def _message_item(self, message: Message, names, attachments) -> MessageItem:
        return MessageItem(
            id=message.id,
            conversation_id=message.conversation_id,
            sender=ParticipantRef(message.sender_type, message.sender_id, names[(message.sender_type, message.sender_id)]),
            content=message.content,
            is_system_message=message.is_system_message,
            created_at=message.created_at,
            attachments=[_attachment_info(a, message.conversation_id) for a in attachments],
        )

    def _single_message_item(self, message: Message) -> MessageItem:
        message = self.session.get(Message, message.id)
        names = resolve_names(self.session, [(message.sender_type, message.sender_id)])
        return self._message_item(message, names, self._attachments_for([message.id])[message.id])


def _attachment_info(attachment: MessageAttachment, conversation_id: int) -> AttachmentInfo:
    return AttachmentInfo(
        id=attachment.id,
        conversation_id=conversation_id,
        message_id=attachment.message_id,
        filename=attachment.original_filename,
        content_type=attachment.content_type,
        size_bytes=attachment.size_bytes,
        is_image=attachment.is_image,
    )


def _validate_paging(page: int, per_page: int) -> None:
    if page < 1:
        raise InvalidInput("Page must be 1 or more.", fields={"page": "Must be 1 or more."})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(
            f"per_page must be between 1 and {MAX_PER_PAGE}.", fields={"per_page": f"Between 1 and {MAX_PER_PAGE}."}
        )


def _validate_subject(subject: str | None) -> str:
    subject = (subject or "").strip()
    if not subject:
        raise InvalidInput("A subject is required.", fields={"subject": "Required."})
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise InvalidInput(
            f"The subject is longer than {SUBJECT_MAX_LENGTH} characters.",
            fields={"subject": f"At most {SUBJECT_MAX_LENGTH} characters."},
        )
    return subject


def _clean_content(content: str | None) -> str:
    content = (content or "").strip()
    if len(content) > CONTENT_MAX_LENGTH:
        raise InvalidInput(
            f"The message is longer than {CONTENT_MAX_LENGTH:,} characters.",
            fields={"content": f"At most {CONTENT_MAX_LENGTH:,} characters."},
        )
    return content


def _require_content(content: str, files: list[ValidatedFile], *, field: str) -> None:
    if not content and not files:
        raise InvalidInput("Write a message or attach a file.", fields={field: "Required."})


def _preview(content: str, files: list[ValidatedFile]) -> str:
    text = " ".join(content.split())
    if not text and files:
        text = "📎 " + ", ".join(f.filename for f in files)
    return text[:PREVIEW_LENGTH]


def _like_pattern(search: str) -> str:
    if not search:
        return ""
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
