"""The message body filter and the human-readable times and sizes."""
from datetime import datetime

from messaging.web.humanize import file_kind, file_size, time_tag
from messaging.web.message_body import message_body


def test_body_is_escaped_and_keeps_line_breaks():
    assert str(message_body("<b>hi</b> & bye\nnext")) == "&lt;b&gt;hi&lt;/b&gt; &amp; bye<br>\nnext"


def test_links_are_clickable_with_safe_rel():
    html = str(message_body("Track it: https://tracking.example/1042?a=1&b=2."))
    assert html == (
        'Track it: <a href="https://tracking.example/1042?a=1&amp;b=2" rel="nofollow noopener noreferrer" '
        'target="_blank">https://tracking.example/1042?a=1&amp;b=2</a>.'
    )


def test_only_http_links_become_links():
    html = str(message_body('javascript:alert(1) "https://x.example"<script>'))
    assert html.count("<a ") == 1 and '<a href="https://x.example"' in html and "&lt;script&gt;" in html
    assert '<a href="https://x.example"' in str(message_body("(see https://x.example)"))


def test_time_tag_carries_the_exact_time():
    html = str(time_tag(datetime(2026, 1, 2, 3, 4, 5)))
    assert 'datetime="2026-01-02T03:04:05Z"' in html and 'title="2 Jan 2026, 03:04 UTC"' in html
    # Without JavaScript the reader sees the exact time, which never goes stale on an open page.
    assert html.endswith(">2 Jan 2026, 03:04 UTC</time>")


def test_sizes_and_kinds():
    assert file_size(512) == "512 B"
    assert file_size(1536) == "1.5 KB"
    assert file_size(10 * 1024 * 1024) == "10 MB"
    assert file_kind("text/csv; charset=utf-8") == "text/csv"
