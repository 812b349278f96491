"""The docker-compose file and Dockerfile are consistent with the code (Docker itself does
not run here): the services exist, each command is a real ``orderwell`` command, every
ORDERWELL_ variable is a setting, and what the Dockerfile copies exists."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from orderwell.cli import app
from orderwell.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_services_images_and_dependencies() -> None:
    services = _compose()["services"]
    assert set(services) >= {"api", "worker", "postgres", "nats", "migrate"}
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["nats"]["image"].startswith("nats:")
    assert "--jetstream" in services["nats"]["command"]
    for name in ("api", "worker", "migrate"):
        service = services[name]
        assert service["build"] == "." and service["image"] == "orderwell:latest"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    assert "8000:8000" in services["api"]["ports"]
    assert "/ready" in " ".join(services["api"]["healthcheck"]["test"])
    # Every named volume a service mounts is declared.
    declared = set(_compose()["volumes"])
    for service in services.values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in declared


def test_commands_are_real_orderwell_commands() -> None:
    runner = CliRunner()
    for name, service in _compose()["services"].items():
        command = service.get("command")
        if not command or command[0] != "orderwell":
            continue
        result = runner.invoke(app, [*command[1:], "--help"])
        assert result.exit_code == 0, f"{name}: {command}: {result.output}"
        for option in (c for c in command[1:] if c.startswith("--")):
            assert option in result.output, f"{name}: {option} is not an option"


def test_environment_names_real_settings_and_the_services() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    services = _compose()["services"]
    for name in ("api", "worker"):
        env = services[name]["environment"]
        for key in env:
            assert key.startswith("ORDERWELL_") and key.removeprefix("ORDERWELL_") in fields, key
        assert "@postgres:5432/" in env["ORDERWELL_DATABASE_URL"]
        assert env["ORDERWELL_NATS_URL"] == "nats://nats:4222"
        assert env["ORDERWELL_INPROCESS_WORKER"] == "false"  # the worker service does it
        pg = services["postgres"]["environment"]
        assert f"{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@" in env["ORDERWELL_DATABASE_URL"]


def test_dockerfile_copies_what_exists_and_runs_orderwell() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for sources in re.findall(r"^COPY (.+) \S+$", dockerfile, flags=re.M):
        for source in sources.split():
            assert (ROOT / source).exists(), source
    assert re.search(r'^CMD \["orderwell", "serve"\]$', dockerfile, flags=re.M)
    assert re.search(r"^USER \w+$", dockerfile, flags=re.M), "the image should not run as root"
