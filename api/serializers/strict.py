"""The base of every request-body serializer: a field it does not accept is an error.

DRF ignores undeclared keys, so a typo in a client (`titel`) or an attempt to change a
field that cannot be written (`file_url` on an edit) would answer 200 and change nothing.
"""

from collections.abc import Mapping

from rest_framework import serializers

UNKNOWN_FIELD = "Unknown field."
READ_ONLY_FIELD = "This field is read-only."


class StrictInputSerializer(serializers.Serializer):
    """Refuses every key that is not a writable field, nested serializers included.

    Declare a field with `read_only=True` to have it named read-only rather than unknown;
    it stays out of the request schema.
    """

    def to_internal_value(self, data):
        refused = self._refused_fields(data)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if refused and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **refused}) from None
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value

    def _refused_fields(self, data) -> dict[str, list[str]]:
        if not isinstance(data, Mapping):
            return {}  # DRF answers "expected a dictionary" itself
        refused = {}
        for key in data:
            field = self.fields.get(key)
            if field is None:
                refused[str(key)] = [UNKNOWN_FIELD]
            elif field.read_only:
                refused[str(key)] = [READ_ONLY_FIELD]
        return refused
