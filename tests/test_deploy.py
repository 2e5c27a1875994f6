"""The deployment files cannot run here (no systemd as init, no Docker daemon): check what they
promise by reading them. `systemd-analyze verify` and `docker compose config` check more where
they are available."""

from __future__ import annotations

import configparser

import yaml

from tests.conftest import ROOT


def test_the_systemd_unit_restarts_the_service_always() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "locator.service")
    service = unit["Service"]
    assert service["Restart"] == "always"
    assert service["ExecStart"].endswith("locator serve")
    assert service["User"] != "root"
    assert "/var/lib/locator/photos" in service["ReadWritePaths"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def test_compose_keeps_every_service_running_and_checks_the_apps() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "db-replica", "redis", "app1", "app2", "caddy", "setup"} <= set(services)
    for name in ("db", "db-replica", "redis", "app1", "app2", "caddy"):
        assert services[name]["restart"] == "always", name
    for name in ("app1", "app2"):
        app = services[name]
        assert "/readyz" in " ".join(app["healthcheck"]["test"])
        assert app["command"] == ["locator", "serve"]
        assert app["depends_on"]["setup"]["condition"] == "service_completed_successfully"
        assert app["environment"]["LOCATOR_REDIS_URL"].startswith("redis://")
        assert "ports" not in app  # reached through Caddy only
        assert "@db:" in app["environment"]["LOCATOR_DATABASE_URL"]
        assert "@db-replica:" in app["environment"]["LOCATOR_READ_DATABASE_URL"]
    caddy = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "app1:8000" in caddy and "app2:8000" in caddy and "health_uri /readyz" in caddy


def test_compose_streams_a_read_replica_from_the_primary() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    replica, primary = services["db-replica"], services["db"]
    script = " ".join(replica["command"])
    assert "pg_basebackup -h db -U replicator" in script and " -R " in script
    assert "hot_standby=on" in script
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    assert replica["environment"]["PGPASSWORD"] == primary["environment"]["REPLICATION_PASSWORD"]
    init = next(v for v in primary["volumes"] if "primary-init.sh" in v)
    assert init.split(":")[1].startswith("/docker-entrypoint-initdb.d/")
    rules = (ROOT / "deploy" / "primary-init.sh").read_text()
    assert "WITH REPLICATION LOGIN" in rules and "host replication replicator" in rules
