"""Helpers of the API tests: a caller per principal and surface, and the error envelope's shape."""
from messaging.roles import ROLES

ROLE_OF = {role.type: role.surface for role in ROLES}


class ApiCaller:
    """Calls one role's surface with one credential: ``caller.get("/3")`` is GET /api/v1/<role>/messages/3."""

    def __init__(self, client, role: str, authorization: str | None):
        self.client = client
        self.role = role
        self.authorization = authorization

    def url(self, path: str = "") -> str:
        return f"/api/v1/{self.role}/messages{path}"

    def headers(self, extra=None) -> dict:
        headers = {"Authorization": self.authorization} if self.authorization else {}
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str = "", *, headers=None, **kwargs):
        return self.client.open(self.url(path), method=method, headers=self.headers(headers), **kwargs)

    def get(self, path="", **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path="", **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path="", **kwargs):
        return self.request("PUT", path, **kwargs)


def error_of(response) -> dict:
    """The error envelope of a refusal, checked to be exactly that shape."""
    assert response.mimetype == "application/json", response.data[:200]
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]) <= {"code", "message", "fields"}, body
    return body["error"]
