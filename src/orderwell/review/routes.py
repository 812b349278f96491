"""The review over HTTP: the KPI summary (what the dashboard calls), each KPI section as
JSON or CSV, and the "what could have been better" report as JSON or PDF.

Every route takes the period as ``from`` and ``to`` (whole UTC days, both included) and
the optional filters ``channel``, ``warehouse``, ``carrier`` and ``sku``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from orderwell.http.deps import get_db, require
from orderwell.http.responses import JSON
from orderwell.http.tokens import Principal
from orderwell.review import export
from orderwell.review.kpis import (
    SECTIONS,
    Answer,
    Cancellations,
    Fill,
    Filters,
    Frequency,
    KpiSummary,
    OnTime,
    Packing,
    PerfectOrders,
    Period,
    Picking,
    Returns,
    StageLeadTime,
    make_period,
)
from orderwell.review.report import ReviewReport, kpi_summary, review_report
from orderwell.review.report_pdf import review_pdf
from orderwell.store.db import Database

router = APIRouter(prefix="/review", tags=["review"])

READ = Depends(require("orders:read"))
Section = Literal[
    "frequency",
    "lead_times",
    "picking",
    "packing",
    "returns",
    "on_time",
    "fill",
    "cancellations",
    "perfect_orders",
]
assert set(Section.__args__) == set(SECTIONS)  # type: ignore[attr-defined]
Name = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[^\x00]*$")]


def period_of(
    start: Annotated[date, Query(alias="from", description="first day (UTC), included")],
    end: Annotated[date, Query(alias="to", description="last day (UTC), included")],
) -> Period:
    return make_period(start, end)


def filters_of(
    channel: Name = None, warehouse: Name = None, carrier: Name = None, sku: Name = None
) -> Filters:
    return Filters(channel=channel, warehouse=warehouse, carrier=carrier, sku=sku)


PERIOD = Depends(period_of)
FILTERS = Depends(filters_of)


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


_TEXT = {"schema": {"type": "string"}}
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": _TEXT}, "description": "section,metric,key,value rows"}
}
_PDF: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        "description": "the review report with its charts",
    }
}
# /review/kpis/{section}: JSON by default, CSV with format=csv.
_SECTION: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": _TEXT}}}


class KpiSection(Answer):
    """One KPI section of the period: ``period`` and the one section asked for."""

    period: Period
    frequency: Frequency | None = None
    lead_times: list[StageLeadTime] | None = None
    picking: Picking | None = None
    packing: Packing | None = None
    returns: Returns | None = None
    on_time: OnTime | None = None
    fill: Fill | None = None
    cancellations: Cancellations | None = None
    perfect_orders: PerfectOrders | None = None


assert set(KpiSection.model_fields) - {"period"} == set(SECTIONS)


@router.get("/kpis", response_model=KpiSummary)
def summary(
    period: Period = PERIOD,
    filters: Filters = FILTERS,
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> JSON:
    """Every KPI of the period: what the dashboard shows."""
    return JSON(kpi_summary(db, period, filters).model_dump(mode="json"))


@router.get("/kpis.csv", response_class=Response, responses=_CSV)
def summary_csv(
    period: Period = PERIOD,
    filters: Filters = FILTERS,
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> Response:
    """Every KPI of the period as CSV (section, metric, key, value)."""
    rows = export.summary_rows(kpi_summary(db, period, filters))
    return _csv(export.to_csv(rows), f"kpis-{period.start}-{period.end}.csv")


@router.get("/kpis/{section}", response_model=KpiSection, responses=_SECTION)
def one_section(
    section: Section,
    period: Period = PERIOD,
    filters: Filters = FILTERS,
    format: Literal["json", "csv"] = "json",
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> Response:
    """One KPI section of the period, as JSON or (``format=csv``) CSV."""
    summary = kpi_summary(db, period, filters)
    if format == "csv":
        rows = export.summary_rows(summary, [section])
        return _csv(export.to_csv(rows), f"{section}-{period.start}-{period.end}.csv")
    value = getattr(summary, section)
    body = (
        [v.model_dump(mode="json") for v in value]
        if isinstance(value, list)
        else (value.model_dump(mode="json"))
    )
    return JSON({"period": period.model_dump(mode="json"), section: body})


@router.get("/report", response_model=ReviewReport)
def report(
    period: Period = PERIOD,
    filters: Filters = FILTERS,
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> JSON:
    """What could have been better: ranked issues, trends, the orders behind each."""
    return JSON(review_report(db, period, filters).model_dump(mode="json"))


@router.get("/report.pdf", response_class=Response, responses=_PDF)
def report_pdf(
    period: Period = PERIOD,
    filters: Filters = FILTERS,
    db: Database = Depends(get_db),
    _: Principal = READ,
) -> Response:
    """The same report as a PDF, with charts."""
    content = review_pdf(review_report(db, period, filters))
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="review-{period.start}-{period.end}.pdf"'
        },
    )
