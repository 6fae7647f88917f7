"""What a conversation's input must be (decisions §3): checked before anything is written."""
from messaging.models.conversation import PREVIEW_LENGTH, SUBJECT_MAX_LENGTH
from messaging.services.attachments import ValidatedFile
from messaging.services.errors import InvalidInput

CONTENT_MAX_LENGTH = 10_000
THREAD_PAGE_SIZE = 100
MAX_PER_PAGE = 100
MAX_RECIPIENT_LIMIT = 50
SEARCH_MAX_LENGTH = 200


def checked_paging(page: int, per_page: int) -> None:
    if page < 1:
        raise InvalidInput("Page must be 1 or more.", fields={"page": "Must be 1 or more."})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(
            f"per_page must be between 1 and {MAX_PER_PAGE}.", fields={"per_page": f"Between 1 and {MAX_PER_PAGE}."}
        )


def checked_search(search: str | None) -> str:
    search = (search or "").strip()
    if len(search) > SEARCH_MAX_LENGTH:
        raise InvalidInput("Search is too long.", fields={"q": f"At most {SEARCH_MAX_LENGTH} characters."})
    return search


def checked_subject(subject: str | None) -> str:
    subject = (subject or "").strip()
    if not subject:
        raise InvalidInput("A subject is required.", fields={"subject": "Required."})
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise InvalidInput(
            f"The subject is longer than {SUBJECT_MAX_LENGTH} characters.",
            fields={"subject": f"At most {SUBJECT_MAX_LENGTH} characters."},
        )
    return subject


def checked_content(content: str | None) -> str:
    """The message text, trimmed first and then measured."""
    content = (content or "").strip()
    if len(content) > CONTENT_MAX_LENGTH:
        raise InvalidInput(
            f"The message is longer than {CONTENT_MAX_LENGTH:,} characters.",
            fields={"content": f"At most {CONTENT_MAX_LENGTH:,} characters."},
        )
    return content


def require_text_or_files(content: str, files: list[ValidatedFile], *, field: str) -> None:
    if not content and not files:
        raise InvalidInput("Write a message or attach a file.", fields={field: "Required."})


def preview_of(content: str, files: list[ValidatedFile]) -> str:
    """The list's one-line preview: the text on one line, or the files' names when there is none."""
    text = " ".join(content.split())
    if not text and files:
        text = "📎 " + ", ".join(f.filename for f in files)
    return text[:PREVIEW_LENGTH]
