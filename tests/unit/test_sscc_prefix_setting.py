"""The GS1 company prefix on every SSCC comes from ORDERWELL_GS1_COMPANY_PREFIX."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orderwell.config import get_settings
from orderwell.warehouse.carriers.gs1 import is_valid_gs1
from orderwell.warehouse.shipping import sscc_for_package


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_default_prefix_is_gs1s_example(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ORDERWELL_GS1_COMPANY_PREFIX", raising=False)
    sscc = sscc_for_package(1234)
    assert sscc.startswith("00952876") and is_valid_gs1(sscc)


def test_own_prefix_is_used(fresh_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERWELL_GS1_COMPANY_PREFIX", "4012345")
    sscc = sscc_for_package(1234)
    assert len(sscc) == 18 and sscc.startswith("04012345") and is_valid_gs1(sscc)
    assert sscc.endswith("1234" + sscc[-1])
