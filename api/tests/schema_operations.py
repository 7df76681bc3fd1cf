"""The served OpenAPI schema as test parameters: every operation that takes a request body."""

import re
import uuid
from dataclasses import dataclass

from drf_spectacular.generators import SchemaGenerator


@dataclass(frozen=True)
class BodyOperation:
    method: str
    path: str
    content_types: tuple[str, ...]
    schema: dict

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def url(self) -> str:
        """The path with every parameter filled by an id that exists nowhere."""
        return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), self.path)

    @property
    def content_type(self) -> str:
        return "application/json" if "application/json" in self.content_types else self.content_types[0]

    @property
    def is_strict(self) -> bool:
        return self.schema.get("additionalProperties") is False


def body_operations() -> list[BodyOperation]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    operations = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            if not body:
                continue
            content = body["content"]
            first = next(iter(content.values()))["schema"]
            resolved = components[first["$ref"].rsplit("/", 1)[1]] if "$ref" in first else first
            operations.append(BodyOperation(method, path, tuple(content), resolved))
    return operations
