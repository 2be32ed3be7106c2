"""Loading: every shipped dashboard validates; a broken file gets an error naming file:line, tile and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards.loader import DEFINITIONS_DIR, DashboardError, load_dashboard_file, load_dashboards
from semantic_layer.catalog import load_catalog

SHIPPED = {"fleet", "team", "governance", "reliability", "serving", "anomalies"}

GOOD = """\
title: Test
rows:
  - title: One
    tiles:
      - id: util
        title: Utilization
        metrics: [utilization_pct]
        visual: stat
      - id: by_team
        title: Spend by team
        metrics: [effective_cost_usd]
        group_by: [team]
        visual: bar
"""


@pytest.fixture(scope="module")
def catalog():  # noqa: ANN201
    return load_catalog()


def _load(tmp_path: Path, text: str, catalog) -> object:  # noqa: ANN001
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return load_dashboard_file(path, catalog)


def _error(tmp_path: Path, text: str, catalog) -> str:  # noqa: ANN001
    with pytest.raises(DashboardError) as info:
        _load(tmp_path, text, catalog)
    return str(info.value)


def test_every_shipped_dashboard_loads_and_validates(catalog) -> None:  # noqa: ANN001
    dashboards = load_dashboards(catalog)
    assert set(dashboards) == SHIPPED
    assert len(list(DEFINITIONS_DIR.glob("*.yaml"))) == len(SHIPPED)
    for dash in dashboards.values():
        assert dash.tiles(), dash.name


def test_a_good_file_loads(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    dash = _load(tmp_path, GOOD, catalog)
    assert [t.id for t in dash.tiles()] == ["util", "by_team"]
    assert dash.name == "broken"


def test_unknown_metric_names_file_line_tile_and_fix(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    msg = _error(tmp_path, GOOD.replace("[utilization_pct]", "[utilisation_pct]"), catalog)
    assert "broken.yaml:5 tile `util`: unknown metric `utilisation_pct`" in msg
    assert "did you mean `utilization_pct`" in msg


def test_dimension_a_metric_cannot_be_split_by(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    text = GOOD.replace("metrics: [effective_cost_usd]", "metrics: [latency_p95_ms]").replace("[team]", "[job_state]")
    msg = _error(tmp_path, text, catalog)
    assert "broken.yaml:9 tile `by_team`: metric `latency_p95_ms` cannot be split or filtered by `job_state`" in msg
    assert "fix: use one of" in msg and "endpoint" in msg


def test_unknown_dimension_gets_did_you_mean(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    msg = _error(tmp_path, GOOD.replace("[team]", "[teams]"), catalog)
    assert "tile `by_team`: unknown dimension `teams`" in msg and "`team`" in msg


def test_visual_shape_error_points_at_the_tile_line(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    text = GOOD.replace("        visual: stat\n", "        visual: stat\n        group_by: [team]\n")
    msg = _error(tmp_path, text, catalog)
    assert "broken.yaml:5 tile `util`" in msg
    assert "a stat tile shows one number" in msg


def test_bad_visual_name_lists_the_choices(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    msg = _error(tmp_path, GOOD.replace("visual: bar", "visual: pie"), catalog)
    assert "broken.yaml:13 tile `by_team`: rows.0.tiles.1.visual" in msg
    assert "'stat', 'line', 'area', 'bar', 'table' or 'heatmap'" in msg


def test_unknown_key_is_named_with_its_line(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    msg = _error(tmp_path, GOOD.replace("        visual: stat\n", "        visual: stat\n        colour: red\n"), catalog)
    assert "broken.yaml:9 tile `util`" in msg and "remove `colour`" in msg


def test_yaml_syntax_error_has_a_line(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    msg = _error(tmp_path, GOOD.replace("metrics: [utilization_pct]", "metrics: [utilization_pct"), catalog)
    assert "broken.yaml:" in msg and "not valid YAML" in msg


def test_unknown_tool_and_duplicate_ids(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    text = GOOD + "      - id: util\n        title: Again\n        tool: scna\n"
    msg = _error(tmp_path, text, catalog)
    assert "used twice" in msg
    msg = _error(tmp_path, GOOD + "      - id: third\n        title: Scan\n        tool: scna\n", catalog)
    assert "broken.yaml:14 tile `third`: unknown tool `scna`" in msg and "`scan`" in msg


def test_every_issue_is_reported_at_once(tmp_path: Path, catalog) -> None:  # noqa: ANN001
    text = GOOD.replace("[utilization_pct]", "[nope_pct]").replace("[team]", "[nope_dim]")
    with pytest.raises(DashboardError) as info:
        _load(tmp_path, text, catalog)
    assert [i.tile for i in info.value.issues] == ["util", "by_team"]
