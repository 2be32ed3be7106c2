"""Real data in: `pace ingest` adapters (FOCUS, DCGM, sacct, pace-shaped CSV/Parquet) behind data-quality gates.

>>> from telemetry.ingest import FORMATS
>>> FORMATS
('focus', 'dcgm', 'sacct', 'csv', 'parquet')
"""

from telemetry.ingest.runner import FORMATS, ingest
from telemetry.ingest.summary import IngestSummary

__all__ = ["FORMATS", "IngestSummary", "ingest"]
