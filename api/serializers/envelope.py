"""Schema shapes of the envelope, shared by every area (rendering lives in api/responses.py)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers


def ok_envelope(name: str, data, *, meta=None):
    """Schema of `{"status": "ok", "data": <data>}`, plus `"meta"` for lists."""
    fields = {"status": serializers.ChoiceField(choices=["ok"]), "data": data}
    if meta is not None:
        fields["meta"] = meta
    return inline_serializer(name, fields)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.DictField()


class ErrorEnvelopeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["error"])
    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "ErrorEnvelope"
