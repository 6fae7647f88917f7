import pytest

from tests.live.live_support import OwnRedis


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own on a free port, which the test may stop or pause."""
    server = OwnRedis(tmp_path).start()
    yield server
    server.stop()
