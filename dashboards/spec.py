"""Dashboard definitions as pydantic models: a dashboard is a title, global filters and rows of tiles.

A tile is either a MetricQuery in catalog terms (metrics, group-by, grain, top-N) drawn with a visual,
or a named tool (anomaly findings, savings, forecast, or a validated-SQL source the catalog lacks).
The YAML shape is documented in docs/dashboards.md; `dashboards.loader` reads it with line numbers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Visual = Literal["stat", "line", "area", "bar", "table", "heatmap"]
GrainSetting = Literal["auto", "hour", "day", "week", "month", "quarter"]
FilterName = Literal["cluster", "accelerator_type", "team", "workload_type"]
Preset = Literal["24h", "3d", "7d", "14d", "30d", "90d", "all"]

FILTER_NAMES: tuple[str, ...] = ("cluster", "accelerator_type", "team", "workload_type")
PRESETS: dict[str, int | None] = {"24h": 1, "3d": 3, "7d": 7, "14d": 14, "30d": 30, "90d": 90, "all": None}


class TileFilter(BaseModel):
    """A fixed condition on one tile, in addition to the global filters."""

    model_config = ConfigDict(extra="forbid")

    dimension: str
    operator: Literal["=", "!=", "in", "not in"] = "="
    values: list[str] = Field(min_length=1)


class Tile(BaseModel):
    """One panel: a metric query or a tool result, with how to draw it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Unique within the dashboard; used in URLs and snapshots.")
    title: str
    visual: Visual = "table"
    metrics: list[str] = Field(default_factory=list, description="Catalog metric names (pace metrics).")
    group_by: list[str] = Field(default_factory=list, description="Catalog dimensions; time comes from `grain`.")
    grain: GrainSetting | None = Field(default=None, description="Group by time at this grain; auto follows the range.")
    top: int | None = Field(default=None, ge=1, le=100, description="Keep the N rows with the highest first metric.")
    filters: list[TileFilter] = Field(default_factory=list)
    compare: bool | None = Field(default=None, description="Change vs previous period; default on for stat tiles.")
    tool: str | None = Field(default=None, description="A tool tile instead of a metric query (see dashboards.tools).")
    ignore_filters: list[FilterName] = Field(default_factory=list, description="Global filters this tile leaves out.")
    question: str | None = Field(default=None, description="The chat form of the tile; default: generated.")
    width: int = Field(default=1, ge=1, le=4, description="Columns of the 4-column grid the tile spans.")
    note: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> Tile:
        if bool(self.metrics) == bool(self.tool):
            raise ValueError("give either `metrics` (a metric query) or `tool` (a tool result), not both or neither")
        if self.tool and (self.group_by or self.grain or self.top or self.filters):
            raise ValueError("a tool tile takes no group_by, grain, top or filters; the tool decides its shape")
        if self.metrics:
            _check_visual(self)
        return self

    @property
    def wants_compare(self) -> bool:
        return self.compare if self.compare is not None else self.visual == "stat"


def _check_visual(tile: Tile) -> None:
    dims = len(tile.group_by) + (1 if tile.grain else 0)
    if tile.visual == "stat" and dims:
        raise ValueError("a stat tile shows one number: drop group_by and grain, or use visual: bar/line/table")
    if tile.visual in ("line", "area") and not tile.grain:
        raise ValueError(f"a {tile.visual} tile plots over time: add `grain: auto` (or hour/day/week/month)")
    if tile.visual in ("line", "area") and len(tile.group_by) > 1:
        raise ValueError(f"a {tile.visual} tile takes at most one group_by dimension (one line per value)")
    if tile.visual == "bar" and (tile.grain or len(tile.group_by) != 1):
        raise ValueError("a bar tile takes exactly one group_by dimension and no grain")
    if tile.visual == "heatmap" and dims != 2:
        raise ValueError("a heatmap takes two dimensions: one group_by plus a grain, or two group_by")
    if tile.visual in ("area", "heatmap", "bar") and len(tile.metrics) != 1:
        raise ValueError(f"a {tile.visual} tile draws one metric; split the others into their own tiles")


class Row(BaseModel):
    """A horizontal band of tiles with an optional heading."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    tiles: list[Tile] = Field(min_length=1)


class Dashboard(BaseModel):
    """One dashboard file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", description="URL name; defaults to the file stem.")
    title: str
    description: str = ""
    audience: str = ""
    default_range: Preset = "7d"
    filters: list[FilterName] = Field(default_factory=lambda: list(FILTER_NAMES), description="Global filters shown.")
    rows: list[Row] = Field(min_length=1)
    order: int = Field(default=100, description="Position in the dashboard list.")

    @model_validator(mode="after")
    def _unique_ids(self) -> Dashboard:
        seen: set[str] = set()
        for tile in self.tiles():
            if tile.id in seen:
                raise ValueError(f"tile id `{tile.id}` is used twice; tile ids must be unique within a dashboard")
            seen.add(tile.id)
        return self

    def tiles(self) -> list[Tile]:
        return [t for row in self.rows for t in row.tiles]

    def tile(self, tile_id: str) -> Tile:
        for t in self.tiles():
            if t.id == tile_id:
                return t
        raise KeyError(tile_id)
