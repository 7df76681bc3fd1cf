"""Commands and results of analytics ingestion."""

from dataclasses import dataclass, field
from uuid import UUID


@dataclass(frozen=True, kw_only=True)
class AnalyticsEventItem:
    event_type: str
    event_data: dict = field(default_factory=dict)
    session_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class IngestAnalyticsEventsCommand:
    """A batch from one client call; `user_id` is None for anonymous visitors."""

    events: tuple[AnalyticsEventItem, ...]
    user_id: UUID | None = None
    ip_address: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True, kw_only=True)
class AnalyticsIngestResult:
    accepted: int
