"""Where the JSON API lives: one prefix, and one messages surface per role of the registry."""
API_PREFIX = "/api/v1"


def messages_prefix(surface: str) -> str:
    return f"{API_PREFIX}/{surface}/messages"
