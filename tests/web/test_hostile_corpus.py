"""The hostile-input corpus (issue 8, "make it hold"): no input makes any route answer 500.

Every input of ``tests/data/hostile_inputs.json`` is sent to at least one route of each kind
(API query, JSON body, path, multipart; page query, form, path, multipart; headers), and every
route of the app (read from its URL map, so a new route cannot be forgotten) is called with
every role and with none. Each answer must be a success or a clear refusal: under /api/ the
error envelope, on the pages an HTML page (or, for htmx, the alert-bar trigger). A refused
request must store nothing: no row and no file.

Sampling keeps it to about two thousand requests: each input goes to one route per kind,
chosen by rotation, and every route and role gets a few. Runs on SQLite, and on PostgreSQL
with TEST_DATABASE_URL (where NUL and out-of-range integers used to fail in the driver).
"""
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text

from messaging.extensions import db
from messaging.services.api_tokens import ApiTokens
from tests.factories import upload
from tests.sample_files import PNG
from tests.web.page_support import PASSWORD, sign_in_customer, sign_in_staff

CORPUS_FILE = Path(__file__).resolve().parent.parent / "data" / "hostile_inputs.json"
ROLES = ("admin", "vendor", "customer", None)
MIN_REQUESTS_PER_ROUTE_AND_ROLE = 3
HTMX_EVERY = 4  # every fourth page request is sent as htmx

# What each view reads, and where. Keys are "api:<view>" or "page:<view>" (the view's name in
# the URL map, without its blueprint). "x" is a parameter no view reads: views that read
# nothing still receive the input.
PARAMETERS = {
    "api:openapi_json": {"GET": [("query", "x")]},
    "api:issue_token": {"POST": [("json", "email"), ("json", "password"), ("json", "vendor_code"),
                                 ("json", "account_type")]},
    "api:revoke_tokens": {"POST": [("json", "x"), ("query", "x")]},
    "api:list_conversations": {"GET": [("query", n) for n in ("page", "per_page", "status", "conversation_type",
                                                                 "unread", "q")]},
    "api:create_conversation": {"POST": [("json", n) for n in ("conversation_type", "subject", "recipient_type",
                                                                  "recipient_id", "vendor_id", "initial_message")]},
    "api:unread_count": {"GET": [("query", "x")]},
    "api:recipients": {"GET": [("query", "type"), ("query", "q"), ("query", "limit")]},
    "api:get_conversation": {"GET": [("path", "conversation_id"), ("query", "before")]},
    "api:send_message": {"POST": [("json", "content"), ("multipart", "content"), ("file", "attachments"),
                                  ("path", "conversation_id")]},
    "api:close_conversation": {"POST": [("path", "conversation_id"), ("json", "x")]},
    "api:reopen_conversation": {"POST": [("path", "conversation_id"), ("json", "x")]},
    "api:mark_read": {"PUT": [("path", "conversation_id"), ("json", "x")]},
    "api:update_preferences": {"PUT": [("json", "email_notifications"), ("path", "conversation_id")]},
    "api:download_attachment": {"GET": [("path", "conversation_id"), ("path", "attachment_id"), ("query", "inline")]},
    "page:root": {"GET": [("query", "x")]},
    "page:staff_login": {"GET": [("query", "next")],
                         "POST": [("form", "email"), ("form", "password"), ("form", "next")]},
    "page:choose_vendor": {"POST": [("form", "vendor_code")]},
    "page:switch_vendor": {"POST": [("form", "vendor_code")]},
    "page:shop_login": {"GET": [("query", "shop"), ("query", "next")],
                        "POST": [("form", "email"), ("form", "password"), ("form", "vendor_code"), ("form", "next")]},
    "page:logout": {"POST": [("form", "x")]},
    "page:logout_everywhere": {"POST": [("form", "x")]},
    "page:inbox": {"GET": [("query", n) for n in ("status", "type", "unread", "q", "page", "per_page")]},
    "page:unread_badge": {"GET": [("query", "x")]},
    "page:compose": {
        "GET": [("query", n) for n in ("recipient_type", "recipient_q", "recipient", "subject", "initial_message")],
        "POST": [("form", n) for n in ("recipient_type", "recipient_q", "recipient", "subject", "initial_message",
                                       "action")] + [("multipart", "subject"), ("file", "attachments")],
    },
    "page:recipients": {"GET": [("query", "recipient_type"), ("query", "recipient_q")]},
    "page:thread": {"GET": [("path", "conversation_id"), ("query", "x")]},
    "page:thread_updates": {"GET": [("path", "conversation_id"), ("query", "after"), ("query", "status")]},
    "page:reply": {"POST": [("form", "content"), ("multipart", "content"), ("file", "attachments"),
                            ("path", "conversation_id")]},
    "page:mark_read": {"POST": [("path", "conversation_id"), ("form", "x")]},
    "page:close": {"POST": [("path", "conversation_id"), ("form", "x")]},
    "page:reopen": {"POST": [("path", "conversation_id"), ("form", "x")]},
    "page:preferences": {"POST": [("form", "email_notifications"), ("path", "conversation_id")]},
    "page:attachment": {"GET": [("path", "conversation_id"), ("path", "attachment_id"), ("query", "inline")]},
    "page:dashboard": {"GET": [("query", "x")]},
    # Marketplace cases (issue 13)
    "api:escalate_conversation": {"POST": [("path", "conversation_id"), ("json", "reason")]},
    "api:resolve_conversation": {"POST": [("path", "conversation_id"), ("json", "x")]},
    "api:get_messaging_settings": {"GET": [("query", "x")]},
    "api:put_messaging_settings": {"PUT": [("json", "attachment_max_size_mb"), ("json", "customers_can_start")]},
    "page:escalate": {"POST": [("path", "conversation_id"), ("form", "reason")]},
    "page:resolve": {"POST": [("path", "conversation_id"), ("form", "x")]},
    "page:messaging": {"GET": [("query", "x")],
                       "POST": [("form", "attachment_max_size_mb"), ("form", "customers_can_start")]},
    # Reading threads (issue 12)
    "page:earlier_messages": {"GET": [("path", "conversation_id"), ("query", "before")]},
    # Email settings and unsubscribing (issue 9)
    "page:page": {"GET": [("query", "x")], "POST": [("form", "email_new_conversations")]},
    "page:confirm": {"GET": [("path", "token")]},
    "page:unsubscribe": {"POST": [("path", "token"), ("form", "x")]},
    "page:one_click": {"POST": [("path", "token"), ("form", "List-Unsubscribe")]},
    "page:one_click_in_browser": {"GET": [("path", "token")]},
}
# The live event streams answer a stream that the test client cannot hold open beside this
# test's app context; their one input (`after`, `Last-Event-ID`) is refused or clamped by
# messaging/live/stream.py and tested in tests/live/.
STREAMS = {"api:events", "page:stream"}
# Views whose success changes who is signed in: they get a client of their own, and the
# role's credentials are made again afterwards (signing out ends the account's sessions).
SESSION_CHANGING = {"page:staff_login", "page:shop_login", "page:choose_vendor", "page:switch_vendor",
                    "page:logout", "page:logout_everywhere", "api:revoke_tokens"}
KINDS = [f"{side}:{where}" for side in ("api", "page") for where in ("query", "json", "form", "path", "multipart")
         if not (side == "api" and where == "form") and not (side == "page" and where == "json")]
STATE_QUERY = text(
    "SELECT (SELECT count(*) FROM conversations), (SELECT count(*) FROM messages), "
    "(SELECT count(*) FROM message_attachments), (SELECT count(*) FROM conversation_participants), "
    "(SELECT count(*) FROM idempotency_keys)"
)


@dataclass(frozen=True)
class HostileInput:
    index: int
    name: str
    value: object  # str, or any JSON value
    raw: bytes | None
    header: str | None

    def as_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if isinstance(self.value, str):
            # A lone surrogate cannot be UTF-8: it goes out as the bytes a careless client would send.
            return self.value.encode("utf-8", "surrogatepass")
        return json.dumps(self.value).encode()

    def as_json(self) -> bytes:
        if self.raw is not None:
            return b'"' + self.raw + b'"'  # invalid UTF-8 inside a JSON string
        return json.dumps(self.value).encode()  # lone surrogates as \ud800 escapes

    def as_header(self) -> str:
        return self.value if isinstance(self.value, str) else json.dumps(self.value)


def load_corpus() -> list[HostileInput]:
    entries = json.loads(CORPUS_FILE.read_text())["inputs"]
    corpus = []
    for index, entry in enumerate(entries):
        if "repeat" in entry:
            value = entry["repeat"] * entry["times"]
        elif "json" in entry:
            value = entry["json"]
        else:
            value = entry.get("text", "")
        raw = bytes.fromhex(entry["bytes_hex"]) if "bytes_hex" in entry else None
        corpus.append(HostileInput(index, entry["name"], value, raw, entry.get("header")))
    return corpus


CORPUS = load_corpus()


def test_the_corpus_is_large_and_varied():
    assert len(CORPUS) >= 100
    names = " ".join(item.name for item in CORPUS)
    for needed in ("NUL", "surrogate", "control U+001F", "control U+009F", "200,000", "NFD", "2147483648",
                   "JSON null", "invalid UTF-8", "empty", "oversized", "bidi"):
        assert needed in names, needed


@dataclass(frozen=True)
class Route:
    key: str
    rule: str
    method: str

    @property
    def is_api(self) -> bool:
        return self.key.startswith("api:")

    def parameters(self):
        return PARAMETERS[self.key][self.method]


def routes_of(app) -> list[Route]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = rule.endpoint.rsplit(".", 1)[-1]
        key = ("api:" if rule.rule.startswith("/api/") else "page:") + view
        if key in STREAMS:
            continue
        assert key in PARAMETERS, f"{rule.rule} ({rule.endpoint}) is missing from PARAMETERS: add what it reads"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert method in PARAMETERS[key], f"{method} {rule.rule} is missing from PARAMETERS"
            routes.append(Route(key, rule.rule, method))
    return routes


def kind_of(route: Route, where: str) -> str:
    side = "api" if route.is_api else "page"
    return f"{side}:{'multipart' if where == 'file' else where}"


def plan(routes: list[Route]) -> list[tuple[Route, str | None, HostileInput, tuple[str, str] | None]]:
    """(route, role, input, placement) to send: every input to each kind, every route and role a few times."""
    pairs = [(route, role) for route in routes for role in ROLES]
    work = []
    for kind_number, kind in enumerate(KINDS):
        candidates = [(route, role) for route, role in pairs
                      if any(kind_of(route, where) == kind for where, _ in route.parameters())]
        for item in CORPUS:
            if item.header:
                continue
            route, role = candidates[(item.index * 7 + kind_number * 13) % len(candidates)]
            placements = [p for p in route.parameters() if kind_of(route, p[0]) == kind]
            work.append((route, role, item, placements[item.index % len(placements)]))
    headers = [item for item in CORPUS if item.header]
    for number, (route, role) in enumerate(pairs):
        item = headers[number % len(headers)]
        work.append((route, role, item, None))
    counts = {}
    for route, role, _, _ in work:
        counts[(route, role)] = counts.get((route, role), 0) + 1
    plain = [item for item in CORPUS if not item.header]
    for number, (route, role) in enumerate(pairs):
        for extra in range(MIN_REQUESTS_PER_ROUTE_AND_ROLE - counts.get((route, role), 0)):
            item = plain[(number * 31 + extra * 17) % len(plain)]
            placements = route.parameters()
            work.append((route, role, item, placements[(number + extra) % len(placements)]))
    return work


# ------------------------------------------------------------------ sending


class Credentials:
    """A signed-in page client and a bearer token per role, made again when a request ended them."""

    def __init__(self, app, marketplace):
        self.app = app
        self.marketplace = marketplace
        self.renew()

    def renew(self):
        m = self.marketplace
        self.principals = {"admin": m.admin, "vendor": m.staff_a, "customer": m.customer_a}
        tokens = ApiTokens(self.app.config["SECRET_KEY"], 3600)
        self.bearer = {role: f"Bearer {tokens.issue(principal).token}" for role, principal in self.principals.items()}
        self.pages = {role: self.signed_in_client(role) for role in self.principals}

    def signed_in_client(self, role):
        client = self.app.test_client()
        if role == "admin":
            sign_in_staff(client, "admin@test.example")
        elif role == "vendor":
            sign_in_staff(client, "staff@a.example")
        elif role == "customer":
            sign_in_customer(client, "cust@example", "shop-a")
        return client


def baseline(route: Route, role: str | None, marketplace, ids) -> dict:
    """Valid values for everything the view reads, so the hostile input is the only thing wrong."""
    m = marketplace
    conversation = ids["conversation"][role]
    values = {
        "path": {"conversation_id": str(conversation), "attachment_id": str(ids["attachment"])},
        "query": {}, "json": {}, "form": {}, "multipart": {}, "file": {},
    }
    key = route.key
    if key == "api:issue_token":
        values["json"] = {"email": "cust@example", "password": PASSWORD, "vendor_code": "shop-a", "account_type": None}
    elif key == "api:create_conversation":
        kind = "admin_customer" if role == "admin" else "vendor_customer"
        values["json"] = {"conversation_type": kind, "subject": "Hello", "recipient_type": "customer",
                          "recipient_id": m.customer_a.id, "vendor_id": None, "initial_message": "Hi"}
    elif key == "api:recipients":
        values["query"] = {"type": "customer", "q": "c", "limit": "5"}
    elif key == "api:list_conversations":
        values["query"] = {"page": "1", "per_page": "5", "q": "o"}
    elif key == "api:send_message":
        values["json"] = {"content": "Hello"}
        values["multipart"] = {"content": "Hello"}
    elif key == "api:update_preferences":
        values["json"] = {"email_notifications": False}
    elif key in ("page:staff_login",):
        values["form"] = {"email": "staff@a.example", "password": PASSWORD}
    elif key == "page:shop_login":
        values["form"] = {"email": "cust@example", "password": PASSWORD, "vendor_code": "shop-a"}
        values["query"] = {"shop": "shop-a"}
    elif key in ("page:choose_vendor", "page:switch_vendor"):
        values["form"] = {"vendor_code": "shop-a"}
    elif key == "page:compose":
        fields = {"recipient_type": "customer", "recipient": f"customer:{m.customer_a.id}:", "subject": "Hello",
                  "initial_message": "Hi"}
        values["query" if route.method == "GET" else "form"] = dict(fields)
        values["multipart"] = dict(fields)
    elif key == "page:reply":
        values["form"] = {"content": "Hello"}
        values["multipart"] = {"content": "Hello"}
    elif key == "page:preferences":
        values["form"] = {"email_notifications": "on"}
    elif key == "page:thread_updates":
        values["query"] = {"after": "0", "status": "open"}
    return values


def build_request(route: Route, role, item: HostileInput, placement, marketplace, ids):
    values = baseline(route, role, marketplace, ids)
    where, name = placement if placement else (None, None)
    path = route.rule
    for parameter in ("conversation_id", "attachment_id"):
        for converter in ("api_id", "page_id"):
            marker = f"<{converter}:{parameter}>"
            if marker in path:
                segment = quote(item.as_bytes(), safe="") if (where, name) == ("path", parameter) else \
                    values["path"][parameter]
                path = path.replace(marker, segment or "%20")
    if "<token>" in path:
        # A signed token (unsubscribe links): the hostile value, or one that does not verify.
        token = quote(item.as_bytes(), safe="") if (where, name) == ("path", "token") else "not-a-signed-token"
        path = path.replace("<token>", token or "%20")
    query = {k: v.encode() for k, v in values["query"].items()}
    if where == "query":
        query[name] = item.as_bytes()
    query_string = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
    headers = {}
    body, content_type = None, None
    json_fields = dict(values["json"])
    if where == "json" or (json_fields and where not in ("multipart", "file")):
        parts = [json.dumps(k).encode() + b": " + (item.as_json() if k == name and where == "json"
                                                   else json.dumps(v).encode())
                 for k, v in json_fields.items()]
        if where == "json" and name not in json_fields:
            parts.append(json.dumps(name).encode() + b": " + item.as_json())
        body, content_type = b"{" + b", ".join(parts) + b"}", "application/json"
    elif where in ("multipart", "file") or (values["multipart"] and not values["form"] and not json_fields):
        fields = {k: v.encode() for k, v in values["multipart"].items()}
        files = [(b"photo.png", PNG)]
        if where == "multipart":
            fields[name] = item.as_bytes()
        elif where == "file":
            files = [(item.as_bytes() or b"x", PNG)]
        body, content_type = multipart(fields, files)
    elif where == "form" or values["form"] or route.method != "GET":
        fields = {k: v.encode() for k, v in values["form"].items()}
        if where == "form":
            fields[name] = item.as_bytes()
        body = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in fields.items()).encode()
        content_type = "application/x-www-form-urlencoded"
    if route.is_api and route.method == "POST" and route.key != "api:issue_token":
        headers["Idempotency-Key"] = f"corpus-{uuid.uuid4().hex}"
    if item.header:
        headers[item.header] = item.as_header()
    return path, query_string, body, content_type, headers


def multipart(fields: dict[str, bytes], files: list[tuple[bytes, bytes]]):
    boundary = f"hostile{uuid.uuid4().hex}".encode()
    chunks = []
    for name, value in fields.items():
        chunks.append(b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n'
                      + value + b"\r\n")
    for filename, data in files:
        chunks.append(b"--" + boundary + b'\r\nContent-Disposition: form-data; name="attachments"; filename="'
                      + filename.replace(b'"', b"%22").replace(b"\r", b"").replace(b"\n", b"")
                      + b'"\r\nContent-Type: application/octet-stream\r\n\r\n' + data + b"\r\n")
    chunks.append(b"--" + boundary + b"--\r\n")
    return b"".join(chunks), f"multipart/form-data; boundary={boundary.decode()}"


def files_under(root: Path) -> int:
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.exists() else 0


def judge(route: Route, response, sent_htmx: bool) -> str | None:
    """What is wrong with the answer, or None."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.get_data(as_text=True)[:200]}"
    if response.status_code < 400:
        return None
    if route.is_api or route.rule.startswith("/api/"):
        if response.mimetype != "application/json":
            return f"{response.status_code} without the JSON envelope ({response.mimetype})"
        body = response.get_json(silent=True) or {}
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or not error.get("code") or not error.get("message"):
            return f"{response.status_code} with a body that is not the envelope: {body!r:.200}"
        return None
    if sent_htmx and ("HX-Trigger" in response.headers or "HX-Redirect" in response.headers):
        return None
    if response.mimetype != "text/html" or not response.get_data():
        return f"{response.status_code} without a page ({response.mimetype})"
    return None


@pytest.fixture
def corpus_ids(service, marketplace, threads):
    with_file = service.send_message(marketplace.staff_a, threads["vendor_customer"].id, "the file",
                                     [upload("chart.png", PNG)])
    return {
        "conversation": {"admin": threads["admin_vendor"].id, "vendor": threads["vendor_customer"].id,
                         "customer": threads["vendor_customer"].id, None: threads["vendor_customer"].id},
        "attachment": with_file.attachments[0].id,
    }


def test_no_hostile_input_makes_any_route_fail(app, marketplace, corpus_ids):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a server error must come back as a 500 to be judged
    routes = routes_of(app)
    work = plan(routes)
    covered = {(item.index, kind_of(route, placement[0])) for route, _, item, placement in work if placement}
    for item in CORPUS:
        if not item.header:
            missing = [kind for kind in KINDS if (item.index, kind) not in covered]
            assert not missing, f"{item.name} reaches no route of kind {missing}"
    assert {(route, role) for route, role, _, _ in work} == {(route, role) for route in routes for role in ROLES}

    credentials = Credentials(app, marketplace)
    attachment_root = Path(app.config["ATTACHMENT_ROOT"])
    failures = []
    for number, (route, role, item, placement) in enumerate(work):
        path, query_string, body, content_type, headers = build_request(
            route, role, item, placement, marketplace, corpus_ids)
        sent_htmx = not route.is_api and number % HTMX_EVERY == 0
        if sent_htmx:
            headers["HX-Request"] = "true"
        if route.is_api:
            client = app.test_client()
            if role and "Authorization" not in headers:
                headers["Authorization"] = credentials.bearer[role]
        elif route.key in SESSION_CHANGING:
            client = credentials.signed_in_client(role)
        else:
            client = credentials.pages[role] if role else app.test_client()
        before = (db.session.execute(STATE_QUERY).one(), files_under(attachment_root))
        db.session.rollback()
        try:
            response = client.open(path, method=route.method, query_string=query_string, data=body,
                                   content_type=content_type, headers=headers)
        except Exception as error:  # noqa: BLE001 (any exception is a finding)
            failures.append(f"{route.method} {route.rule} as {role} with {item.name} in {placement}: raised {error!r}")
            continue
        problem = judge(route, response, sent_htmx)
        if problem is None and response.status_code >= 400:
            after = (db.session.execute(STATE_QUERY).one(), files_under(attachment_root))
            db.session.rollback()
            if after != before:
                problem = f"refused with {response.status_code} but stored something: {before} -> {after}"
        if problem:
            failures.append(f"{route.method} {route.rule} as {role} with {item.name} in {placement}: {problem}")
        if route.key in SESSION_CHANGING:
            credentials.renew()
    assert not failures, f"{len(failures)} of {len(work)} requests failed:\n" + "\n".join(failures[:30])
