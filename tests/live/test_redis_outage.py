"""Redis going away while streams are open: sending and reading go on, streams end (pages poll),
new streams are turned away politely; Redis back: streams resume and replay what was missed, once.

The test runs its own redis-server on a free port (never the shared one) and stops it.
"""

import requests

from messaging.models import ConversationType
from tests.factories import PASSWORD, build_marketplace, start
from tests.live.live_support import CommittingService, StreamReader, needs_redis_server, reconnect, serve, token_for

pytestmark = needs_redis_server


def test_streams_survive_redis_going_away_and_catch_up_once(tmp_path, own_redis):
    server = serve(tmp_path, REDIS_URL=own_redis.url, LIVE_REDIS_CHANNEL="test-live-outage")
    try:
        base = server.url
        with server.app.app_context():
            m = build_marketplace()
            conversation_id = start(CommittingService(), m.admin, ConversationType.ADMIN_VENDOR, m.staff_a).id
        admin = token_for(base, "admin@test.example", PASSWORD)
        staff = token_for(base, "staff@a.example", PASSWORD)
        events_url = f"{base}/api/v1/vendor/messages/events"

        def send(text: str) -> int:
            answer = requests.post(f"{base}/api/v1/admin/messages/{conversation_id}/messages",
                                   json={"content": text}, headers=admin, timeout=10)
            assert answer.status_code == 201, answer.text
            return answer.json()["id"]

        reader = StreamReader(events_url, headers=staff).open()
        assert reader.ready.wait(5)
        first = send("Before the outage")
        assert reader.wait_for(lambda: [e.data.get("message_id") for e in reader.named("message-posted")] == [first])
        seen_up_to = reader.named("message-posted")[-1].id

        own_redis.stop()
        assert reader.ended.wait(10), "the stream ends when its feed is gone, so the page polls"
        # While Redis is away: sending and reading work; a new stream is told to retry later and closes.
        missed = [send("During the outage 1"), send("During the outage 2")]
        listing = requests.get(f"{base}/api/v1/vendor/messages", headers=staff, timeout=10)
        assert listing.status_code == 200 and listing.json()["items"][0]["id"] == conversation_id
        turned_away = StreamReader(events_url, headers=staff).open()
        assert turned_away.status == 200 and turned_away.ended.wait(5) and not turned_away.ready.is_set()

        own_redis.start()  # the same port: the broker finds it again by itself
        resumed = reconnect(events_url, {**staff, "Last-Event-ID": str(seen_up_to)})
        replayed = [event.data["message_id"] for event in resumed.named("message-posted")]
        assert replayed == missed, "each missed event exactly once, in order"
        after = send("After the outage")
        assert resumed.wait_for(lambda: len(resumed.named("message-posted")) == 3)
        assert [event.data["message_id"] for event in resumed.named("message-posted")] == [*missed, after]
        resumed.close()
    finally:
        server.stop()

