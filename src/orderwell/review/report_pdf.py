"""The review report as a PDF: headline figures against the previous period, three charts
drawn with reportlab.graphics (daily trend lines, lead time per stage, returns by reason),
the ranked issues with the orders behind them, and every figure of the period.

Every number printed is taken from the same ``ReviewReport`` the JSON answer carries, and
the figures table prints them as the CSV export does, so a reader (or the test, which
parses the PDF back) can match the two line by line.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from orderwell.review.export import summary_rows
from orderwell.review.report import ReviewReport
from orderwell.warehouse.documents.printing import (
    BIG,
    BODY,
    GRID,
    SHADE,
    SMALL,
    TITLE,
    escape,
    letter_pdf,
)

WIDTH = 7.5 * inch
SERIES = (
    ("orders", colors.HexColor("#1f77b4")),
    ("cancelled", colors.HexColor("#d62728")),
    ("short_picked", colors.HexColor("#ff7f0e")),
    ("late", colors.HexColor("#9467bd")),
)
ORDERS_PRINTED = 10


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _caption(drawing: Drawing, text: str) -> None:
    drawing.add(String(0, drawing.height - 12, text, fontName="Helvetica-Bold", fontSize=10))


def trend_chart(report: ReviewReport) -> Drawing:
    """Orders, cancellations, short-picked and late orders per day of the period."""
    d = Drawing(WIDTH, 170)
    _caption(d, "Per day: orders placed, cancelled, short-picked, late")
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 30, 35, WIDTH - 150, 110
    points = report.daily or []
    chart.data = [[getattr(p, name) for p in points] or [0] for name, _ in SERIES]
    for i, (_, colour) in enumerate(SERIES):
        chart.lines[i].strokeColor = colour
        chart.lines[i].strokeWidth = 1.5
    step = max(1, len(points) // 8)
    chart.categoryAxis.categoryNames = [
        p.day[5:] if i % step == 0 else "" for i, p in enumerate(points)
    ] or [""]
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 6
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = WIDTH - 110, 130
    legend.fontSize = 7
    legend.colorNamePairs = [(c, n) for n, c in SERIES]
    d.add(legend)
    return d


def stage_chart(report: ReviewReport) -> Drawing:
    """Median and 90th-percentile hours of each stage."""
    d = Drawing(WIDTH, 170)
    _caption(d, "Lead time per stage (hours): median and 90th percentile")
    stages = report.summary.lead_times
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 35, WIDTH - 150, 110
    chart.data = [
        [s.median_hours or 0 for s in stages],
        [s.p90_hours or 0 for s in stages],
    ]
    chart.bars[0].fillColor = colors.HexColor("#1f77b4")
    chart.bars[1].fillColor = colors.HexColor("#aec7e8")
    chart.categoryAxis.categoryNames = [s.stage.replace("_", ">") for s in stages]
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 6
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = WIDTH - 110, 130
    legend.fontSize = 7
    legend.colorNamePairs = [
        (colors.HexColor("#1f77b4"), "median"),
        (colors.HexColor("#aec7e8"), "p90"),
    ]
    d.add(legend)
    return d


def reasons_chart(report: ReviewReport) -> Drawing:
    """Units returned, by reason."""
    d = Drawing(WIDTH, 150)
    _caption(d, "Units returned by reason")
    reasons = report.summary.returns.by_reason
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 30, WIDTH - 150, 95
    chart.data = [[r.value for r in reasons] or [0]]
    chart.bars[0].fillColor = colors.HexColor("#d62728")
    chart.categoryAxis.categoryNames = [r.key for r in reasons] or ["(none)"]
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 6
    d.add(chart)
    return d


def _table(rows: Sequence[Sequence[object]], widths: list[float]) -> Table:
    cells = [[Paragraph(escape(str(c)), SMALL) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, GRID),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def review_pdf(report: ReviewReport) -> bytes:
    p, b = report.period, report.previous_period
    filters = ", ".join(f"{k}={v}" for k, v in report.filters.model_dump().items() if v) or "none"
    story: list[Flowable] = [
        Paragraph("What could have been better", TITLE),
        Paragraph(
            escape(
                f"Orders placed {p.start} to {p.end} (compared with {b.start} to {b.end}); "
                f"filters: {filters}; figures as of {report.as_of:%Y-%m-%d %H:%M} UTC."
            ),
            BODY,
        ),
        Spacer(1, 8),
        Paragraph("Headline figures", BIG),
        _table(
            [["figure", "this period", "previous", "better when", "verdict"]]
            + [
                [t.name, _fmt(t.value), _fmt(t.previous), t.better_when, t.verdict]
                for t in report.trends
            ],
            [2.4 * inch, 1.2 * inch, 1.2 * inch, 1.2 * inch, 1.0 * inch],
        ),
        Spacer(1, 8),
        trend_chart(report),
        stage_chart(report),
        reasons_chart(report),
        Paragraph("What hurt most, ranked by orders affected", BIG),
    ]
    if report.issues:
        story.append(
            _table(
                [
                    [
                        "#",
                        "issue",
                        "measure",
                        "value",
                        "previous",
                        "verdict",
                        "orders",
                        "order numbers",
                    ]
                ]
                + [
                    [
                        i.rank,
                        i.title,
                        i.measure,
                        _fmt(i.value),
                        _fmt(i.previous),
                        i.verdict,
                        i.orders_affected,
                        " ".join(i.order_numbers[:ORDERS_PRINTED])
                        + (" ..." if len(i.order_numbers) > ORDERS_PRINTED else ""),
                    ]
                    for i in report.issues
                ],
                [
                    0.3 * inch,
                    1.7 * inch,
                    1.0 * inch,
                    0.6 * inch,
                    0.65 * inch,
                    0.6 * inch,
                    0.55 * inch,
                    2.1 * inch,
                ],
            )
        )
    else:
        story.append(Paragraph("Nothing went wrong in this period.", BODY))
    story += [
        Spacer(1, 8),
        Paragraph("Every figure of the period", BIG),
        _table(
            [["section", "metric", "key", "value"]]
            + [list(r) for r in summary_rows(report.summary)],
            [1.6 * inch, 2.4 * inch, 1.9 * inch, 1.6 * inch],
        ),
    ]
    return letter_pdf(
        story,
        title=f"Review {p.start} to {p.end}",
        footer=f"Orderwell review {p.start} to {p.end}",
        margin=0.5 * inch,
        bottom_margin=0.6 * inch,
    )
