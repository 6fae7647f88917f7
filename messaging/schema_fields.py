"""marshmallow fields shared by the API's schemas and the pages' list arguments."""
from marshmallow import fields


class TrimmedString(fields.String):
    """Text whose length is checked after trimming, as the service stores it (decisions §3):
    10,000 characters plus surrounding spaces is a message of 10,000 characters."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


def enum_field(enum_class, **kwargs) -> fields.Enum:
    """An enum sent as its value, documented as a string with its allowed values."""
    metadata = {"type": "string", **kwargs.pop("metadata", {})}
    return fields.Enum(enum_class, by_value=True, metadata=metadata, **kwargs)
