"""Uploads as the service receives them from Flask: werkzeug FileStorage objects."""
import io

from werkzeug.datastructures import FileStorage


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)
