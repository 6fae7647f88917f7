"""Without Redis, events travel only inside the process that committed them.

When other processes serve the app too (``gunicorn -w 2``, which WSGI's ``wsgi.multiprocess``
says), a stream would miss the events of the other processes while its page, trusting it,
stopped polling: people would not see new messages until they reloaded. So then pages get no
stream and poll, and API streams are turned away; with Redis every process hears every event.
"""
from messaging.live.broker import RedisBroker
from tests.web.page_support import sign_in_staff, text_of

SEVERAL_PROCESSES = {"wsgi.multiprocess": True}


def test_pages_poll_instead_of_streaming_when_other_processes_serve_them_too(client, marketplace):
    sign_in_staff(client, "staff@a.example")

    alone = text_of(client.get("/vendor/messages"))
    several = text_of(client.get("/vendor/messages", environ_overrides=SEVERAL_PROCESSES))

    assert 'sse-connect="/vendor/messages/stream"' in alone
    assert "sse-connect" not in several
    assert 'hx-trigger="every ' in several, "the badge still polls"


def test_api_streams_are_turned_away_when_other_processes_serve_them_too(client, marketplace, tokens):
    bearer = {"Authorization": f"Bearer {tokens.issue(marketplace.staff_a).token}"}

    refused = client.get("/api/v1/vendor/messages/events", headers=bearer, environ_overrides=SEVERAL_PROCESSES,
                         buffered=False)

    # The stream ends at once, telling the client when to try again; it never says it is ready.
    assert refused.status_code == 200
    received = ""
    for chunk in refused.response:  # read as it comes: a stream that went live would never end
        received += chunk.decode() if isinstance(chunk, bytes) else chunk
        if "event: ready" in received:
            break
    refused.close()
    assert received.startswith("retry: ")
    assert "event: ready" not in received


def test_with_redis_every_process_streams(app, client, marketplace):
    app.extensions["live_broker"] = RedisBroker("redis://127.0.0.1:6379/0", "test-several-processes")
    sign_in_staff(client, "staff@a.example")

    page = text_of(client.get("/vendor/messages", environ_overrides=SEVERAL_PROCESSES))

    assert 'sse-connect="/vendor/messages/stream"' in page
