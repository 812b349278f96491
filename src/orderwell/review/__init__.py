"""Step 7, the review: KPIs from what is recorded, and the "what could have been better"
report. ``kpi_summary`` and ``review_report`` are the entry points (routes, CLI, console).
"""

from orderwell.review.kpis import Filters, KpiSummary, Period
from orderwell.review.report import ReviewReport, kpi_summary, raw_summary, review_report

__all__ = [
    "Filters",
    "KpiSummary",
    "Period",
    "ReviewReport",
    "kpi_summary",
    "raw_summary",
    "review_report",
]
