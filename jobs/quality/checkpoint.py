"""Great Expectations wiring: validate named DataFrames with their suites in one Checkpoint.

Kept apart from what is checked (tables.py, suites.py) so marts or any other DuckDB table can
be validated later by handing in more (name, DataFrame, suite) triples.

GX Core 1.x notes that shaped this module:
- The context is ephemeral (nothing to keep in sync on disk) with analytics off and progress
  bars off; GX 1.x sends no usage statistics when analytics is disabled and needs no network
  to validate or to build Data Docs (the built pages link styles from CDNs when viewed).
- A Checkpoint passes the *same* batch parameters to every validation definition, and a pandas
  dataframe asset takes its DataFrame only as a batch parameter, so one Checkpoint cannot
  validate several in-memory DataFrames. Each table is therefore written to a Parquet file in
  a scratch folder and read by a pandas Parquet asset with a whole-dataframe batch definition.
- The Data Docs site drops pages whose validation results are not in the results store, and
  an ephemeral store forgets everything between runs; a filesystem results store (optional)
  keeps every run's results so the site lists the history.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.checkpoint import UpdateDataDocsAction, ValidationAction
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import AbstractDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ValidationResultIdentifier,
)

DOCS_SITE_NAME = "local_site"
INDEX_COLUMN = "row_id"


@dataclass(frozen=True)
class CheckTable:
    """One DataFrame to validate: its name (asset and validation definition) and its suite.

    The frame needs a unique `row_id` column: GX names failing rows by it."""

    name: str
    frame: pd.DataFrame
    suite: gx.ExpectationSuite


@dataclass(frozen=True)
class DocsSite:
    """Where to build Data Docs (a local folder) and, optionally, keep validation results."""

    site_dir: str
    results_dir: str | None = None

    @property
    def index_path(self) -> str:
        return os.path.join(self.site_dir, "index.html")


@dataclass(frozen=True)
class ExpectationOutcome:
    table: str
    check: str  # the expectation's meta["check"], else its type
    expectation_type: str
    description: str | None
    success: bool
    evaluated_rows: int
    unexpected_count: int
    failing_row_ids: list[int]


@dataclass(frozen=True)
class ValidationOutcome:
    success: bool
    checkpoint_name: str
    run_name: str
    result_json: dict[str, Any]
    expectations: list[ExpectationOutcome] = field(default_factory=list)
    docs_index_path: str | None = None

    def failing_rows(self, table: str, frame: pd.DataFrame, check: str) -> pd.DataFrame:
        """The rows of `frame` (the table named `table`) that failed any expectation of `check`."""
        ids: set[int] = set()
        for outcome in self.expectations:
            if outcome.table == table and outcome.check == check:
                ids.update(outcome.failing_row_ids)
        return frame[frame[INDEX_COLUMN].isin(ids)]


class ExpectationError(RuntimeError):
    """An expectation could not be evaluated (a bug in a check table, not bad data)."""


def quiet_context(docs: DocsSite | None = None) -> AbstractDataContext:
    """An ephemeral GX context: in-memory stores, no analytics, no progress bars.

    With `docs`, a local Data Docs site is configured and, if `docs.results_dir` is set,
    validation results are kept there as JSON so every run stays listed on the site."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    stores = dict(defaults.stores)
    sites: dict[str, Any] = {}
    if docs is not None:
        if docs.results_dir is not None:
            stores[defaults.validation_results_store_name] = {
                "class_name": "ValidationResultsStore",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": docs.results_dir},
            }
        sites[DOCS_SITE_NAME] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": docs.site_dir},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores=stores,
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def validate_tables(tables: Sequence[CheckTable], *, checkpoint_name: str, run_name: str,
                    run_time: dt.datetime, docs: DocsSite | None = None) -> ValidationOutcome:
    """Validate every table with its suite in one Checkpoint (COMPLETE results naming each
    failing row by `row_id`), optionally updating Data Docs, and summarise per expectation."""
    for attribute in ("name", "suite"):
        names = [t.name if attribute == "name" else t.suite.name for t in tables]
        if len(set(names)) != len(names):
            raise ValueError(f"check tables need unique {attribute} names, got {names}")
    context = quiet_context(docs)
    if docs is not None and docs.results_dir is not None:
        _forget_run(context, run_name)  # a re-run of the same run replaces its results
    with tempfile.TemporaryDirectory(prefix="gx-tables-") as scratch:
        source = context.data_sources.add_pandas(checkpoint_name)
        definitions = []
        for table in tables:
            if INDEX_COLUMN not in table.frame.columns:
                raise ValueError(f"check table {table.name!r} has no {INDEX_COLUMN!r} column")
            path = Path(scratch) / f"{table.name}.parquet"
            table.frame.to_parquet(path, index=False)
            asset = source.add_parquet_asset(name=table.name, path=path)
            if asset is None:  # typed Optional by GX; a new asset is always returned
                raise RuntimeError(f"GX did not create the asset {table.name!r}")
            batch = asset.add_batch_definition_whole_dataframe(table.name)
            suite = context.suites.add(table.suite)
            definitions.append(context.validation_definitions.add(
                gx.ValidationDefinition(name=table.name, data=batch, suite=suite)))
        actions: list[ValidationAction] = (
            [UpdateDataDocsAction(name="update_data_docs", site_names=[DOCS_SITE_NAME])]
            if docs is not None else [])
        checkpoint = context.checkpoints.add(gx.Checkpoint(
            name=checkpoint_name,
            validation_definitions=definitions,
            actions=actions,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": [INDEX_COLUMN],
                # the pandas "query" repeats every failing index as a string; the list suffices
                "return_unexpected_index_query": False,
            },
        ))
        result = checkpoint.run(run_id=RunIdentifier(run_name=run_name, run_time=run_time))
    suite_to_table = {table.suite.name: table.name for table in tables}
    outcomes = []
    validation_results = []
    for validation in result.run_results.values():
        table_name = suite_to_table[validation.suite_name]
        validation_results.append(validation.to_json_dict())
        for expectation in validation.results:
            outcomes.append(_outcome(table_name, expectation))
    result_json = {
        "checkpoint": checkpoint_name,
        "run_name": run_name,
        "run_time": run_time.isoformat(),
        "success": bool(result.success),
        "statistics": result.describe_dict()["statistics"],
        "validation_results": validation_results,
    }
    return ValidationOutcome(
        success=bool(result.success), checkpoint_name=checkpoint_name, run_name=run_name,
        result_json=result_json, expectations=outcomes,
        docs_index_path=docs.index_path if docs is not None else None)


def _outcome(table_name: str, expectation: Any) -> ExpectationOutcome:
    config = expectation.expectation_config
    meta = config.meta or {}
    errors = _exception_messages(expectation.exception_info)
    if errors:
        # GX reports a metric it could not compute as a failed expectation, not an exception.
        raise ExpectationError(f"{table_name}: {config.type} could not be evaluated: "
                               f"{'; '.join(sorted(set(errors)))}")
    result = expectation.result or {}
    unexpected = int(result.get("unexpected_count") or 0)
    ids = [int(entry[INDEX_COLUMN]) for entry in result.get("unexpected_index_list") or []]
    if len(ids) != unexpected:
        # COMPLETE must name every failing row, or the quarantine would silently miss some.
        raise ExpectationError(f"{table_name}: {config.type} reported {unexpected} unexpected "
                               f"rows but named {len(ids)}")
    return ExpectationOutcome(
        table=table_name, check=str(meta.get("check", config.type)),
        expectation_type=config.type, description=config.description,
        success=bool(expectation.success),
        evaluated_rows=int(result.get("element_count") or 0),
        unexpected_count=unexpected, failing_row_ids=ids)


def _exception_messages(info: Any) -> list[str]:
    """Messages of an exception_info: flat, or keyed by metric when metrics failed."""
    if not isinstance(info, dict):
        return []
    if info.get("raised_exception"):
        return [str(info.get("exception_message"))]
    return [message for value in info.values() for message in _exception_messages(value)]


def _forget_run(context: AbstractDataContext, run_name: str) -> None:
    store = context.validation_results_store
    for key in store.list_keys():
        if isinstance(key, ValidationResultIdentifier) and key.run_id.run_name == run_name:
            store.remove_key(key)
