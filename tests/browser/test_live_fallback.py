"""Redis gone while a page is open: the page quietly polls; Redis back: the stream resumes and
what was missed shows once. A redis-server of the test's own, on a free port, is stopped."""
import re
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from messaging import create_app
from messaging.demo_data import load_demo_data
from messaging.extensions import db
from messaging.models import ConversationType
from tests.browser.browser_support import Backstage, sign_in_staff, unique
from tests.browser.live_server import LiveServer, QuietRequestHandler
from tests.live.live_support import OwnRedis, needs_redis_server

pytestmark = needs_redis_server
POLL_SECONDS = 2
LIVE = re.compile(r"\blive\b")


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory):
    server = OwnRedis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, own_redis):
    workdir = tmp_path_factory.mktemp("fallback")
    app = create_app("testing", overrides={
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'browser.sqlite3'}",
        "ATTACHMENT_ROOT": str(workdir / "uploads"), "WTF_CSRF_ENABLED": True,
        "POLL_INTERVAL_SECONDS": POLL_SECONDS, "REDIS_URL": own_redis.url, "LIVE_REDIS_CHANNEL": "browser-fallback",
    })
    with app.app_context():
        db.create_all()
        load_demo_data()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, server=server, thread=thread)
    yield live
    live.stop()


def test_the_page_polls_while_redis_is_away_and_catches_up_once_when_it_returns(open_session, live_server, own_redis):
    backstage = Backstage(live_server)
    alice, gina = backstage.staff("admin@marketplace.test"), backstage.staff("gina@greengrocer.test")
    subject = unique("Outage")
    conversation_id = backstage.start(alice, ConversationType.ADMIN_VENDOR, gina, subject)

    page = open_session().new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    page.goto(f"/vendor/messages/{conversation_id}")
    expect(page.locator("body")).to_have_class(LIVE, timeout=10_000)
    polls: list[str] = []
    page.on("request", lambda request: ("unread-badge" in request.url or "/updates" in request.url)
            and polls.append(request.url))
    page.wait_for_timeout((POLL_SECONDS * 2 + 1) * 1000)
    assert polls == [], "while the stream is up the page does not poll"
    backstage.send(alice, conversation_id, "Pushed while live")
    expect(page.locator("#thread-messages > li", has_text="Pushed while live")).to_have_count(1, timeout=2000)

    own_redis.stop()
    expect(page.locator("body")).not_to_have_class(LIVE, timeout=10_000)
    expect(page.locator("#page-alert")).to_be_hidden()  # nothing alarming
    polls.clear()
    page.wait_for_timeout((POLL_SECONDS * 2 + 1) * 1000)
    assert polls, "with the stream down the page polls again"
    backstage.send(alice, conversation_id, "Sent while Redis was away")
    # The polling of before: within one interval, and the reply box still works.
    expect(page.locator("#thread-messages > li", has_text="Sent while Redis was away")).to_have_count(
        1, timeout=(POLL_SECONDS + 3) * 1000)

    own_redis.start()
    expect(page.locator("body")).to_have_class(LIVE, timeout=30_000)
    backstage.send(alice, conversation_id, "Pushed after the return")
    expect(page.locator("#thread-messages > li", has_text="Pushed after the return")).to_have_count(1, timeout=3000)
    page.wait_for_timeout(1000)
    for text in ("Pushed while live", "Sent while Redis was away", "Pushed after the return"):
        expect(page.locator("#thread-messages > li", has_text=text)).to_have_count(1)
