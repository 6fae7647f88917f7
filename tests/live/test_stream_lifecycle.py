"""A stream's life: who may open one, heartbeats, and the end of a signed-out or deactivated account's stream."""
import pytest
import requests

from messaging import read_connection
from messaging.extensions import db
from messaging.models import User
from tests.factories import PASSWORD, build_marketplace
from tests.live.live_support import StreamReader, serve, token_for


@pytest.fixture
def server(tmp_path):
    server = serve(tmp_path, LIVE_RECHECK_SECONDS=1, LIVE_HEARTBEAT_SECONDS=1)
    with server.app.app_context():
        build_marketplace()
    yield server
    server.stop()


def signed_in(base: str) -> requests.Session:
    browser = requests.Session()
    assert browser.post(f"{base}/login", data={"email": "staff@a.example", "password": PASSWORD},
                        allow_redirects=False, timeout=10).status_code == 302
    return browser


def test_no_session_or_another_roles_session_gets_no_stream(server):
    assert StreamReader(f"{server.url}/vendor/messages/stream").open().status == 401
    assert StreamReader(f"{server.url}/admin/messages/stream", cookies=signed_in(server.url).cookies).open().status == 401
    assert StreamReader(f"{server.url}/api/v1/vendor/messages/events").open().status == 401
    admin = token_for(server.url, "admin@test.example", PASSWORD)
    assert StreamReader(f"{server.url}/api/v1/vendor/messages/events", headers=admin).open().status == 401


def test_an_idle_stream_sends_heartbeats(server):
    reader = StreamReader(f"{server.url}/vendor/messages/stream", cookies=signed_in(server.url).cookies).open()
    assert reader.ready.wait(5)
    assert reader.wait_for(lambda: reader.comments >= 2, timeout=5)
    reader.close()


def test_signing_out_ends_that_sessions_streams_only(server):
    browser, other_browser = signed_in(server.url), signed_in(server.url)
    reader = StreamReader(f"{server.url}/vendor/messages/stream", cookies=browser.cookies).open()
    other = StreamReader(f"{server.url}/vendor/messages/stream", cookies=other_browser.cookies).open()
    assert reader.ready.wait(5) and other.ready.wait(5)

    browser.post(f"{server.url}/logout", allow_redirects=False, timeout=10)

    assert reader.ended.wait(5)
    assert reader.events[-1].name == "ended"
    assert not other.ended.wait(1.5), "another browser of the same person keeps its stream"
    other.close()


@pytest.mark.parametrize("kind", ["page", "api"])
def test_a_deactivated_account_stops_receiving_within_the_recheck(server, kind):
    if kind == "page":
        reader = StreamReader(f"{server.url}/vendor/messages/stream", cookies=signed_in(server.url).cookies)
    else:
        reader = StreamReader(f"{server.url}/api/v1/vendor/messages/events",
                              headers=token_for(server.url, "staff@a.example", PASSWORD))
    assert reader.open().ready.wait(5)
    with server.app.app_context():
        db.session.query(User).filter_by(email="staff@a.example").update({"is_active": False})
        db.session.commit()
    assert reader.ended.wait(5)
    assert reader.events[-1].name == "ended"


def test_an_open_stream_holds_no_database_connection_while_it_waits(server):
    """Each open stream would otherwise keep one of the pool's few connections for its whole life."""
    reader = StreamReader(f"{server.url}/vendor/messages/stream", cookies=signed_in(server.url).cookies).open()
    assert reader.ready.wait(5)
    assert reader.wait_for(lambda: reader.comments >= 3, timeout=6)  # past a re-check of the account
    with server.app.app_context():
        # Out of the pool only a read connection waiting for the next request, none the stream holds.
        assert db.engine.pool.checkedout() == read_connection.kept_for_next_request(db.engine) <= 1
    reader.close()
