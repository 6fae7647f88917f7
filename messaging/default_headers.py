"""Headers an answer gets unless its view set them itself."""
from werkzeug.datastructures import Headers


def add_missing(headers: Headers, defaults: tuple[tuple[str, str], ...]) -> None:
    """Add each (name, value) of ``defaults`` whose name ``headers`` lacks.

    One pass over the headers for all names: Headers.setdefault searches them all for each name,
    and the hooks calling this run on every answer (each badge poll).
    """
    present = {name.lower() for name in headers.keys()}
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)
