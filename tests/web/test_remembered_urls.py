"""Links are built once per app and reused (messaging/remembered_urls.py), but only where the
link cannot differ: the mount point and url_for's own options are honoured every time."""
from messaging.roles import VENDOR


def test_a_remembered_link_is_what_url_for_builds_and_follows_the_mount_point(app):
    with app.test_request_context("/"):
        assert VENDOR.pages.url("thread", conversation_id=7) == "/vendor/messages/7"
        assert VENDOR.pages.url("thread", conversation_id=7, status="open") == "/vendor/messages/7?status=open"
    with app.test_request_context("/", base_url="http://shop.test/market"):
        assert VENDOR.pages.url("thread", conversation_id=7) == "/market/vendor/messages/7"


def test_external_links_are_built_for_the_host_of_each_request(app):
    with app.test_request_context("/", base_url="http://one.test"):
        first = VENDOR.pages.url("thread", conversation_id=7, _external=True)
    with app.test_request_context("/", base_url="http://two.test"):
        second = VENDOR.pages.url("thread", conversation_id=7, _external=True)
    assert (first, second) == ("http://one.test/vendor/messages/7", "http://two.test/vendor/messages/7")
