"""The demo park's inbox: what a real park office would have received this year, dropped into
the inbox and loaded the way `park inbox` loads it (validated, landed, archived).

Every month of this year up to the current one gets the sample files (jobs/inbox/samples.py:
output value, green power, certificates, allowances, heat, product output, solid waste, water,
waste heat). A month the demo's meters cover only in part (the history is the last few days) is
declared for the days metered, as a month-to-date report: output value, green power, heat and
the rest then compare like with like with the metered electricity. Beside the samples: the
park's own certificates (the `park` account, for the common areas and EV charging), a
park-wide demand-response event inside the metered window (the cards count it) and one
announced for the next afternoon to the largest consumer (the day-ahead plan answers it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo
from pathlib import Path

from jobs.common import landing
from jobs.common.settings import Settings
from jobs.inbox.load import InboxResult, inbox_dir, load_inbox
from jobs.inbox.samples import (
    DEFAULT_PROFILE,
    DR_COMPENSATION_CNY_PER_KWH,
    _csv,
    average_kw,
    write_sample_inbox,
)

# The park buys certificates for about half of its own use (common areas and EV charging).
PARK_CERTIFICATE_SHARE = 0.5
PARK_OWN_KW_PER_COMMON_KW = 1.8  # EV charging and park HVAC beside the common-area load
DR_REDUCTION_KW = 800.0  # a park-wide call: about a sixth of the afternoon load
DR_NEXT_REDUCTION_KW = 300.0  # the next call, to the largest consumer: a third of its load
DR_START_HOUR, DR_HOURS = 14, 2  # the grid's afternoon peak
SAMPLE_DR_LAST_DAY = (8, 6)  # the samples' DR events are on 16 July and 6 August


def month_shares(start_utc: dt.datetime, end_utc: dt.datetime, zone: str
                 ) -> dict[dt.date, float]:
    """Each local month of end_utc's year up to end_utc's: the share of it that a declaration
    covers. A month the window [start, end) overlaps covers the overlap only (left out below
    an hour); an earlier month of the year is whole."""
    tz = zoneinfo.ZoneInfo(zone)
    end_local = end_utc.astimezone(tz)
    shares = {}
    for number in range(1, end_local.month + 1):
        first = dt.datetime(end_local.year, number, 1, tzinfo=tz)
        days = calendar.monthrange(end_local.year, number)[1]
        after = (first + dt.timedelta(days=days)).astimezone(dt.UTC)
        if after <= start_utc:  # over before the meters start: declared whole
            shares[first.date()] = 1.0
            continue
        overlap = min(after, end_utc) - max(first.astimezone(dt.UTC), start_utc)
        if overlap >= dt.timedelta(hours=1):  # less: nothing to declare yet
            shares[first.date()] = min(overlap / dt.timedelta(days=days), 1.0)
    return shares


def demo_inbox(settings: Settings, history_start_utc: dt.datetime,
               now_utc: dt.datetime) -> list[InboxResult]:
    """Write this year's inbox files for the demo park and load them; raises if a file is
    rejected (the samples are the platform's own: a rejection is a bug, not a user's typo)."""
    zone = settings.park.park.timezone
    shares = month_shares(history_start_utc, now_utc, zone)
    folder = inbox_dir(settings)
    months = [f"{month:%Y-%m}" for month in shares]
    paths = write_sample_inbox(settings, months, folder,
                               month_share={f"{m:%Y-%m}": s for m, s in shares.items()})
    today = now_utc.astimezone(zoneinfo.ZoneInfo(zone)).date()
    if today <= dt.date(today.year, *SAMPLE_DR_LAST_DAY):
        # the samples' summer events would lie ahead: a park cannot have received them yet
        for path in paths:
            if path.name.startswith("dr_events_"):
                path.unlink()
    _write(folder / f"certificates_park_{today:%Y}.csv", _park_certificates(settings, shares))
    _write(folder / f"dr_events_{today:%Y-%m-%d}.csv",
           _dr_events(settings, history_start_utc, now_utc))
    results = load_inbox(settings)
    rejected = [f"{r.source.name}: {r.failed or '; '.join(str(p) for p in r.problems)}"
                for r in results if not r.accepted]
    if rejected:
        raise RuntimeError("the demo's inbox files were rejected: " + " | ".join(rejected))
    return results


def _park_certificates(settings: Settings, shares: dict[dt.date, float]) -> bytes:
    """The park account's certificates (GEC), one retirement a month; serials carry the
    month as the samples' do, in a range of their own."""
    own_kw = settings.park.simulation.common_load_kw * PARK_OWN_KW_PER_COMMON_KW
    rows = []
    for month, share in shares.items():
        hours = calendar.monthrange(month.year, month.month)[1] * 24 * share
        count = max(1, round(own_kw * hours / 1000 * PARK_CERTIFICATE_SHARE))
        first = int(f"{month:%Y%m}") * 1_000_000 + 900_001
        rows.append(["park", f"{month:%Y-%m}", str(count), f"GEC{first}",
                     f"GEC{first + count - 1}", "GEC"])
    return _csv(["enterprise_id", "month", "certificates_retired", "serial_from", "serial_to",
                 "certificate_type"], rows, bom=False)


def _dr_event_window(start_utc: dt.datetime, end_utc: dt.datetime, zone: str
                     ) -> tuple[dt.datetime, dt.datetime] | None:
    """The latest afternoon peak (local) wholly inside the metered window, if there is one."""
    tz = zoneinfo.ZoneInfo(zone)
    day = end_utc.astimezone(tz).date()
    while True:
        start = dt.datetime(day.year, day.month, day.day, DR_START_HOUR, tzinfo=tz)
        end = start + dt.timedelta(hours=DR_HOURS)
        if start.astimezone(dt.UTC) < start_utc:
            return None
        if end.astimezone(dt.UTC) <= end_utc:
            return start, end
        day -= dt.timedelta(days=1)


def _next_peak(now_utc: dt.datetime, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The next afternoon peak (local) that has not started: today's or tomorrow's."""
    tz = zoneinfo.ZoneInfo(zone)
    day = now_utc.astimezone(tz).date()
    start = dt.datetime(day.year, day.month, day.day, DR_START_HOUR, tzinfo=tz)
    if start.astimezone(dt.UTC) <= now_utc:
        start += dt.timedelta(days=1)
    return start, start + dt.timedelta(hours=DR_HOURS)


def _dr_events(settings: Settings, start_utc: dt.datetime, now_utc: dt.datetime) -> bytes:
    """A park-wide event already called inside the metered window (the cards count it), and
    one announced for the next afternoon to the largest consumer, which the day-ahead plan
    takes into account (the cards show the income the plan expects from it)."""
    zone = settings.park.park.timezone
    profiles = settings.park.simulation.load_profiles
    largest = max(settings.park.enterprises,
                  key=lambda e: (average_kw(profiles.get(e.id, DEFAULT_PROFILE)), e.id))
    now_local = now_utc.astimezone(zoneinfo.ZoneInfo(zone)).replace(second=0, microsecond=0)
    events = [(*_next_peak(now_utc, zone), DR_NEXT_REDUCTION_KW, largest.id)]
    past = _dr_event_window(start_utc, now_utc, zone)
    if past is not None:
        events.insert(0, (*past, DR_REDUCTION_KW, ""))
    rows = []
    for start, end, reduction_kw, enterprise_id in events:
        # notified the day before at 17:00, or now if that is still ahead
        notice = min((start - dt.timedelta(days=1)).replace(hour=17), now_local)
        rows.append([f"DR-{start:%Y-%m%d}-{enterprise_id or 'park'}", f"{start:%Y-%m-%d %H:%M}",
                     f"{end:%Y-%m-%d %H:%M}", f"{reduction_kw:g}",
                     f"{DR_COMPENSATION_CNY_PER_KWH:g}", enterprise_id,
                     f"{notice:%Y-%m-%d %H:%M}"])
    return _csv(["event_id", "start_local", "end_local", "requested_reduction_kw",
                 "compensation_cny_per_kwh", "enterprise_id", "notice_issued_local"], rows,
                bom=False)


def _write(path: Path, payload: bytes) -> None:
    landing.write_atomically(str(path), payload)
