"""OpenAPI links: what a client (or a stateful fuzzer) can do next with the answer it got.

A created conversation's ``id`` opens it, replies to it, marks it read, closes and reopens
it and sets its preferences, on the same surface; a sent message's attachments download
from the same surface too. Each view is registered once per role, so the links are added to
the finished document per surface rather than declared on the shared views.
"""
from flask_smorest import Api

from messaging.api.paths import messages_prefix
from messaging.roles import ROLES

CONVERSATION_ID = {"conversation_id": "$response.body#/id"}
FROM_CONVERSATION = {
    "GetConversation": ("/{conversation_id}", "get", "Open the conversation."),
    "SendMessage": ("/{conversation_id}/messages", "post", "Reply in it."),
    "MarkRead": ("/{conversation_id}/read", "put", "Mark it read."),
    "CloseConversation": ("/{conversation_id}/close", "post", "Close it."),
    "ReopenConversation": ("/{conversation_id}/reopen", "post", "Reopen it."),
    "UpdatePreferences": ("/{conversation_id}/preferences", "put", "Set its e-mail preference."),
}


def add_links(api: Api) -> None:
    paths = api.spec._paths  # apispec keeps the paths here until the document is written
    for role in ROLES:
        prefix = messages_prefix(role.surface)
        links = {
            name: {"operationRef": _operation_ref(prefix + suffix, method), "parameters": CONVERSATION_ID,
                   "description": description}
            for name, (suffix, method, description) in FROM_CONVERSATION.items()
        }
        _response(paths, prefix, "post", 201)["links"] = links
        for source in ("/{conversation_id}/close", "/{conversation_id}/reopen"):
            _response(paths, prefix + source, "post", 200)["links"] = links
        _response(paths, prefix + "/{conversation_id}/messages", "post", 201)["links"] = {
            "GetConversation": {"operationRef": _operation_ref(prefix + "/{conversation_id}", "get"),
                                "parameters": {"conversation_id": "$response.body#/conversation_id"},
                                "description": "Open the conversation the message was sent in."},
        }


def _operation_ref(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _response(paths: dict, path: str, method: str, status: int) -> dict:
    responses = paths[path][method]["responses"]
    key = next(key for key in responses if str(key) == str(status))
    return responses[key]
