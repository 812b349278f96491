"""KPIs as CSV: one row per figure, ``section,metric,key,value``.

A list inside a section (lead times per stage, returns by reason or SKU) gives one row
per item, with the stage, reason or SKU as ``key``. An absent figure (a rate with
nothing to divide by) is an empty cell, never a zero.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel

from orderwell.review.kpis import SECTIONS, KpiSummary

HEADER = ("section", "metric", "key", "value")


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def section_rows(section: str, model: BaseModel | list[Any]) -> Iterator[tuple[str, ...]]:
    if isinstance(model, list):  # lead_times: one row per stage and figure
        for item in model:
            data = item.model_dump()
            key = str(data.pop("stage"))
            for metric, value in data.items():
                yield (section, metric, key, _cell(value))
        return
    for metric, value in model.model_dump().items():
        if isinstance(value, list):  # by_reason / by_sku
            for item in value:
                yield (section, metric, str(item["key"]), _cell(item["value"]))
        else:
            yield (section, metric, "", _cell(value))


def summary_rows(
    summary: KpiSummary, sections: Iterable[str] = SECTIONS
) -> Iterator[tuple[str, ...]]:
    for name in sections:
        yield from section_rows(name, getattr(summary, name))


def to_csv(rows: Iterable[tuple[str, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()
