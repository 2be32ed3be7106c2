"""What one `pace ingest` run did: the counts DESIGN.md's JSON contract promises, and a few extras."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator


class IngestSummary(BaseModel):
    """Counts for one file; `read = loaded + quarantined + duplicates` is checked on construction."""

    file: str
    """The path as given on the command line."""
    format: str
    """focus | dcgm | sacct | csv | parquet."""
    table: str
    """The warehouse table the rows went to."""
    read: int = 0
    """Data rows (or, for dcgm, metric samples) pace examined; see docs/ingest.md per format."""
    loaded: int = 0
    """Rows (dcgm: samples) that reached the target table."""
    quarantined: int = 0
    """Rows written to `ingest_quarantine` with a reason."""
    duplicates: int = 0
    """Rows already in the warehouse or repeated in the file; skipped, which makes re-ingest idempotent."""
    updated: int = 0
    """Of `loaded`, rows that replaced an existing row with the same key (a running job that has since ended)."""
    new_dimension_values: dict[str, list[str]] = Field(default_factory=dict)
    """New teams, projects and clusters added to their dimension tables, by table."""
    quarantine_reasons: dict[str, int] = Field(default_factory=dict)
    """Quarantined rows by gate name."""
    skipped: dict[str, int] = Field(default_factory=dict)
    """Lines that are not data rows and are outside `read` (sacct job steps, other DCGM metrics...)."""
    rows_written: int = 0
    """Rows inserted into the table (dcgm aggregates samples; updated rows are not inserted)."""
    seconds: float = 0.0
    """Wall time of the ingest."""
    stage_seconds: dict[str, float] = Field(default_factory=dict)
    """Wall time by stage (read ... load, then rollups, coverage, commit, checkpoint): where an ingest spends it."""

    @model_validator(mode="after")
    def _reconciles(self) -> "IngestSummary":
        if self.read != self.loaded + self.quarantined + self.duplicates:
            raise ValueError(
                f"ingest counts do not reconcile: read {self.read} != loaded {self.loaded} + "
                f"quarantined {self.quarantined} + duplicates {self.duplicates}"
            )
        return self

    def to_json(self) -> dict[str, object]:
        """The `pace ingest --json` object (DESIGN.md keys first)."""
        return self.model_dump(mode="json")
