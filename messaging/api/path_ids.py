"""Ids in API paths: any integer reaches the view, which refuses those out of range with 422.

Werkzeug's plain ``int`` converter would silently not match ``-1`` (a 404 that hides a
client bug) and would pass ``99999999999999999999`` on to the database (an overflow).
"""
from flask import request
from werkzeug.routing import IntegerConverter

from messaging.services.errors import InvalidInput

ID_MIN, ID_MAX = 1, 2**31 - 1
CONVERTER_NAME = "api_id"


class ApiIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        super().__init__(map, signed=True)


def api_id_param_schema(_converter) -> dict:
    return {"type": "integer", "minimum": ID_MIN, "maximum": ID_MAX}


def check_path_ids() -> None:
    bad = {
        name: f"Must be between {ID_MIN} and {ID_MAX}."
        for name, value in (request.view_args or {}).items()
        if name.endswith("_id") and isinstance(value, int) and not ID_MIN <= value <= ID_MAX
    }
    if bad:
        raise InvalidInput("An id in the path is out of range.", fields=bad)
