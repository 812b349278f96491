"""The GS1 company prefix on every SSCC comes from ORDERWELL_GS1_COMPANY_PREFIX."""

from __future__ import annotations

import pytest

from orderwell.config import Settings
from orderwell.warehouse.carriers.gs1 import is_valid_gs1
from orderwell.warehouse.labels import sscc_for_package


def test_default_prefix_is_gs1s_example() -> None:
    sscc = sscc_for_package(1234, Settings.model_construct().gs1_company_prefix)
    assert sscc.startswith("00952876") and is_valid_gs1(sscc)


def test_own_prefix_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    # The environment names it; the settings read from it carry it to the package.
    monkeypatch.setenv("ORDERWELL_GS1_COMPANY_PREFIX", "4012345")
    sscc = sscc_for_package(1234, Settings().gs1_company_prefix)
    assert len(sscc) == 18 and sscc.startswith("04012345") and is_valid_gs1(sscc)
    assert sscc.endswith("1234" + sscc[-1])
