"""Refusals of the service layer, said in domain terms.

They carry a message for people and, for bad input, the fields at fault; what each one
means over HTTP (status and envelope code) is decided in one table,
:data:`messaging.http_errors.REFUSALS`, for the JSON API and the pages alike.
"""


class MessagingError(Exception):
    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields


class NotFound(MessagingError):
    """Also what an out-of-scope resource looks like: never a hint that it exists."""

    def __init__(self, message: str = "Conversation not found.", **kwargs):
        super().__init__(message, **kwargs)


class NotAllowed(MessagingError):
    """The principal's role may not do this at all."""


class ConversationClosed(MessagingError):
    def __init__(self, message: str = "This conversation is closed and accepts no new messages."):
        super().__init__(message)


class InvalidInput(MessagingError):
    """Input the caller can correct; ``fields`` says where."""


class UnsupportedFileType(MessagingError):
    pass


class FileTooLarge(MessagingError):
    pass
