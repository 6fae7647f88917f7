"""Ids in page URLs: only 1 to 2³¹−1 match a route, anything else is the 404 page.

Werkzeug's plain ``int`` converter passes ``99999999999999999999`` on to the database, which
overflows (SQLite) or fails on the type (PostgreSQL, past 2³¹−1): a 500 from a typed URL.
The API answers 422 for these instead (``messaging/api/path_ids.py``): a client's bug there
deserves a reason; a page has nothing at such an address.
"""
from werkzeug.routing import IntegerConverter

ID_MIN, ID_MAX = 1, 2**31 - 1
CONVERTER_NAME = "page_id"


class PageIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        super().__init__(map, min=ID_MIN, max=ID_MAX)
