"""Lead-time percentiles from fixed log-spaced histograms.

A period's median and p90 lead times are read from per-day histograms
(``review_daily_lead``) summed over the period, so they cost ~days x buckets rows, not a
sort of every order. The buckets are fixed: ``[0, 60 s)``, then each bucket 5% wider
than the one before, up to ten years (``BOUNDS``). Each bucket keeps how many orders
fell in it and the sum of their seconds.

The percentile rule, everywhere (SQL over the rollups, the per-order fallback and the
Python reference): find the bucket holding the value of nearest rank ``ceil(p * n)``,
and answer the **mean of the values in that bucket**. So the answer is exact whenever
the values in that bucket are equal (hand-built histories, whole hours), and otherwise
off from the nearest-rank value by less than the bucket's width: under 60 s below one
minute, under 5% of the value above it (docs/kpis.md).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

RATIO = 1.05
FIRST = 60
LONGEST = 10 * 366 * 86400


def _bounds() -> tuple[int, ...]:
    out = [FIRST]
    while out[-1] < LONGEST:
        out.append(max(out[-1] + 1, math.ceil(out[-1] * RATIO)))
    return tuple(out)


# Bucket k holds BOUNDS[k-1] <= s < BOUNDS[k] (bucket 0: s < FIRST; the last: beyond).
BOUNDS = _bounds()


def bucket(seconds: int) -> int:
    return bisect_right(BOUNDS, seconds)


def bucket_sql(col: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """``bucket(col)`` in SQL: a balanced tree of CASEs (about nine comparisons a value)."""

    def tree(lo: int, hi: int) -> Any:  # the bucket is in lo..hi
        if lo == hi:
            return sa.literal_column(str(lo))
        mid = (lo + hi + 1) // 2  # bucket >= mid  <=>  col >= BOUNDS[mid - 1]
        bound: Any = sa.literal_column(str(BOUNDS[mid - 1]))
        return sa.case((col >= bound, tree(mid, hi)), else_=tree(lo, mid - 1))

    result: sa.ColumnElement[int] = tree(0, len(BOUNDS))
    return result


Histogram = dict[int, tuple[int, int]]  # bucket -> (values, their sum in seconds)


def histogram(values: Iterable[int]) -> Histogram:
    hist: dict[int, list[int]] = {}
    for v in values:
        cell = hist.setdefault(bucket(v), [0, 0])
        cell[0] += 1
        cell[1] += v
    return {b: (n, s) for b, (n, s) in hist.items()}


def count(hist: Histogram) -> int:
    return sum(n for n, _ in hist.values())


def percentile(hist: Histogram, p: float) -> float | None:
    """The mean of the bucket holding the nearest-rank ``p``-th value (see above)."""
    total = count(hist)
    if not total:
        return None
    rank = max(1, math.ceil(p * total))
    seen = 0
    for b in sorted(hist):
        n, s = hist[b]
        seen += n
        if seen >= rank:
            return s / n
    raise AssertionError("unreachable: the ranks add up to the total")


def merge(rows: Sequence[tuple[Any, int, int, int]]) -> dict[Any, Histogram]:
    """(key, bucket, values, seconds) rows, summed per key and bucket."""
    out: dict[Any, dict[int, tuple[int, int]]] = {}
    for key, b, n, s in rows:
        hist = out.setdefault(key, {})
        n0, s0 = hist.get(int(b), (0, 0))
        hist[int(b)] = (n0 + int(n), s0 + int(s))
    return out
