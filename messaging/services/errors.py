"""Typed refusals of the service layer. Web layers map ``status`` and ``code`` onto responses."""


class MessagingError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields


class NotFound(MessagingError):
    """Also what an out-of-scope resource looks like: never a hint that it exists."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Conversation not found.", **kwargs):
        super().__init__(message, **kwargs)


class NotAllowed(MessagingError):
    status = 403
    code = "forbidden"


class ConversationClosed(MessagingError):
    status = 409
    code = "conversation_closed"

    def __init__(self, message: str = "This conversation is closed and accepts no new messages."):
        super().__init__(message)


class InvalidInput(MessagingError):
    status = 422
    code = "validation_error"


class UnsupportedFileType(MessagingError):
    status = 415
    code = "unsupported_file_type"


class FileTooLarge(MessagingError):
    status = 413
    code = "file_too_large"
