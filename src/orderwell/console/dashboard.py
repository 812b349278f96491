"""The dashboard: KPI tiles, charts (Chart.js) and the review report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from orderwell.console.figures import dashboard_figures
from orderwell.console.frame import Visit, page

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def dashboard(
    visit: Annotated[Visit, Depends(page("orders:read"))],
    days: Annotated[int, Query(ge=1, le=365)] = 14,
) -> HTMLResponse:
    figures = dashboard_figures(visit.db, days)
    return visit.render("dashboard.html", figures=figures)
