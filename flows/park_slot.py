"""One run at a time per park and deployment, whichever parks share the deployment.

A deployment's own concurrency limit counts the runs of every park: with one deployment set for
a group of parks it would make park B's quarter-hour build wait for, or be cancelled by, park
A's. So the limit is a Prefect global concurrency limit named after the deployment (the flow,
run outside one) and the park (`warehouse:suzhou-east`), limit 1, created on first use; a run
that finds its park's slot taken ends Cancelled, named Skipped (notifies nobody), as the
deployment's CANCEL_NEW did before. The slot is leased and renewed by the run, so a run that
dies frees it when the lease ends (300 s).

The harvest is not wrapped: its poll-group lock is the one-at-a-time rule, and a new hour's
run waits for the last one's final cycle rather than being skipped.

Every run of a registered park also tags itself `park:<id>` first thing (before the park's
config is even read): a scheduled run carries only its deployment's tags (Prefect 3.8 gives a
schedule parameters, not tags), and the park's failure automations match on this tag, so each
park's team hears of its own park's runs only (flows/notifications.py).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from prefect import runtime
from prefect.client.orchestration import get_client
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.asyncio import concurrency as async_concurrency
from prefect.concurrency.sync import concurrency
from prefect.states import Cancelled

from jobs.common.settings import load_settings

SKIPPED = "Skipped"
F = TypeVar("F", bound=Callable[..., Any])


def slot_name(park: str | None) -> str:
    # The environment's park (None) is named by its own id, so a lone park and the same park
    # in a registry share one slot.
    what = runtime.deployment.name or runtime.flow_run.flow_name
    return f"{what}:{park or load_settings().park.park.id}"


def park_tag(park: str) -> str:
    return f"park:{park}"


def _tags_with_park(park: str | None) -> list[str] | None:
    """The run's tags with its park's, or None when there is nothing to add (a lone park,
    the flow called outside a run, the tag already there)."""
    if park is None or runtime.flow_run.id is None:
        return None
    tags = list(runtime.flow_run.tags or [])
    return None if park_tag(park) in tags else [*tags, park_tag(park)]


def tag_run_with_park(park: str | None) -> None:
    tags = _tags_with_park(park)
    if tags is not None:
        with get_client(sync_client=True) as client:
            client.update_flow_run(runtime.flow_run.id, tags=tags)


async def atag_run_with_park(park: str | None) -> None:
    tags = _tags_with_park(park)
    if tags is not None:
        async with get_client() as client:
            await client.update_flow_run(runtime.flow_run.id, tags=tags)


def _skipped_or_raise(name: str, refused: ConcurrencySlotAcquisitionError) -> Any:
    """423 Locked: the park's slot is taken (max_retries=0: asked once). Anything else (the
    server unreachable) is a real failure."""
    if "423" not in str(refused):
        raise refused
    return Cancelled(name=SKIPPED, message=f"Skipped: another run holds {name} (one run of a "
                                           "park's flow at a time)")


def one_run_per_park(function: F) -> F:
    """Wrap a flow function (sync or async) that takes `park`; put it under @flow."""
    signature = inspect.signature(function)
    # Prefect builds the parameters' model from the signature; with postponed annotations
    # ("dt.date") it would resolve them in this module, so hand it the resolved types.
    resolved = inspect.signature(function, eval_str=True)

    def park_of(args: tuple, kwargs: dict) -> str | None:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return bound.arguments.get("park")

    if inspect.iscoroutinefunction(function):
        @functools.wraps(function)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            await atag_run_with_park(park_of(args, kwargs))
            name = slot_name(park_of(args, kwargs))
            async with get_client() as client:
                await client.upsert_global_concurrency_limit_by_name(name, 1)
            async with contextlib.AsyncExitStack() as stack:
                try:  # only the slot's refusal is a skip, not a timeout in the body
                    await stack.enter_async_context(async_concurrency(
                        name, occupy=1, max_retries=0, strict=True))
                except ConcurrencySlotAcquisitionError as refused:
                    return _skipped_or_raise(name, refused)
                return await function(*args, **kwargs)

        run_async.__signature__ = resolved  # type: ignore[attr-defined]
        return run_async  # type: ignore[return-value]

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        tag_run_with_park(park_of(args, kwargs))
        name = slot_name(park_of(args, kwargs))
        with get_client(sync_client=True) as client:
            client.upsert_global_concurrency_limit_by_name(name, 1)
        with contextlib.ExitStack() as stack:
            try:  # only the slot's refusal is a skip, not a timeout in the body
                stack.enter_context(concurrency(name, occupy=1, max_retries=0,
                                                strict=True))
            except ConcurrencySlotAcquisitionError as refused:
                return _skipped_or_raise(name, refused)
            return function(*args, **kwargs)

    run.__signature__ = resolved  # type: ignore[attr-defined]
    return run  # type: ignore[return-value]

