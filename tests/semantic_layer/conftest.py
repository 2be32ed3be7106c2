"""Fixtures for the semantic layer: the catalog (with warehouse values) and one engine per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from semantic_layer.catalog import Catalog, load_catalog
from semantic_layer.engine import Engine


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def valued_catalog(catalog: Catalog, engine: Engine) -> Catalog:
    return catalog.with_values(engine)


@pytest.fixture(scope="session")
def raw_con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A plain read-only connection for hand-written reference SQL."""
    con = duckdb.connect(str(demo_db), read_only=True)
    yield con
    con.close()
