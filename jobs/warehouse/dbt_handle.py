"""dbt-duckdb's process-wide DuckDB handle, closed after a build. Its own module because both
the park build (jobs/warehouse/build.py) and the group build (jobs/group/build.py) run dbt-duckdb
in-process and must let go of the file afterwards."""

from __future__ import annotations


def release_dbt_duckdb_handle() -> None:
    """dbt-duckdb keeps its DuckDB handle open for the life of the process (a class-level
    environment). Close it, so this process and others can open the file read-only after a
    build: dbt writes, everybody else reads."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
