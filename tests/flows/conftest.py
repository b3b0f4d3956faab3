"""One Prefect test harness (a temporary local API and database) for every flow test."""

from __future__ import annotations

import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(autouse=True, scope="session")
def prefect_harness():
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def park_environment(tmp_path, monkeypatch):
    """Point the flows' one settings source (the environment) at a given park and a temporary
    data root, as a worker's environment would; returns the settings the flows will load."""
    import yaml

    from jobs.common.settings import load_settings
    from tests.conftest import CONFIG_DIR

    def configure(park: dict):
        park_file = tmp_path / "park.yaml"
        park_file.write_text(yaml.safe_dump(park, allow_unicode=True))
        monkeypatch.setenv("PARK_CONFIG_DIR", str(CONFIG_DIR))
        monkeypatch.setenv("PARK_FILE", str(park_file))
        monkeypatch.setenv("PARK_DATA_ROOT", str(tmp_path / "data"))
        return load_settings()

    return configure
