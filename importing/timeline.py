"""When each step of an imported release's history happened: the source's own times, and honest stand-ins.

The services refuse a date that is already past when the step happens (``at``), as they should for a person. An
import replays what the source says happened, at the times it happened: announced, moved (each agreed change),
confirmed, then cancelled or published. Sources give some of those times (GOV.UK ``first_published_at``,
``public_updated_at``, ``cancelled_at``; the CSV's announcement dates) and not others (ONS gives none). A step whose
time the source does not give is placed by two rules:

1. If its date is still ahead and nothing later is known, it happened now: the register learns it now, and the Code's
   notice is counted from now.
2. Otherwise (the date has passed, or a later step's time is known) it is put at the latest moment that fits the known
   times, but no later than 28 days before the date it set (the notice the Code asks): a time we do not know never
   raises a short-notice flag by itself, and a known one always can.

If the source's own times cannot fit its dates (announced after its own release day, say), the record is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from releases.schedule import LONDON, Schedule

from . import messages
from .records import RecordProblem, day_start

NOTICE_DAYS = 28
PUBLISH = "publish"
CANCEL = "cancel"


def deadline(schedule: Schedule) -> datetime:
    """The last moment a step may set ``schedule`` (the services' "in the future" check)."""
    if schedule.release_at is not None:
        return schedule.release_at - timedelta(seconds=1)
    return day_start(schedule.ends_on + timedelta(days=1)) - timedelta(seconds=1)


def aim(schedule: Schedule, notice_days: int = NOTICE_DAYS) -> datetime:
    """The stand-in for an unknown step: the Code's notice before the date it set."""
    first = schedule.release_at or datetime.combine(schedule.starts_on, time(9, 30), tzinfo=LONDON)
    return first - timedelta(days=notice_days)


def step_times(
    *,
    chain: Sequence[Schedule],
    known: Sequence[datetime | None],
    now: datetime,
    final: str = "",
    final_known: datetime | None = None,
    seen_at: datetime | None = None,
    after: datetime | None = None,
) -> tuple[list[datetime], datetime | None, list[int]]:
    """The time of each step setting ``chain[i]`` and of the final cancel or publish step.

    ``known[i]`` is the source's time for step i (or None); ``seen_at`` bounds every step but publishing (the source
    showed the record as it is by then); ``after`` is the earliest a step may happen (the release's last change here,
    for an update; earlier source times are moved up to it). Returns the times, the final step's time, and the
    indexes of the steps whose time was not given.
    """
    count = len(chain)
    if after is not None:
        # A change the source dates before the register's own last change to the release is recorded when the
        # register learns it: history here cannot run backwards.
        known = [max(k, after) if k is not None else None for k in known]
        final_known = max(final_known, after) if final_known is not None and final != PUBLISH else final_known
    final_at: datetime | None = None
    if final == PUBLISH:
        final_at = final_known or chain[-1].release_at
        if final_at is None or final_at > now:
            raise RecordProblem(messages.PUBLISHED_IN_FUTURE.format(due=chain[-1].wording()))
    elif final == CANCEL and final_known is not None:
        final_at = final_known
    cap = min(now, seen_at) if seen_at is not None else now
    lowest = [after] * count
    floor = after
    for index in range(count):
        lowest[index] = floor
        if known[index] is not None:
            floor = known[index] if floor is None else max(floor, known[index])  # type: ignore[type-var]
    times: list[datetime] = [now] * count
    guessed: list[int] = []
    upper = min(cap, final_at) if final_at is not None else cap
    for index in reversed(range(count)):
        bound = min(upper, deadline(chain[index]))
        low = lowest[index]
        given = known[index]
        if given is not None:
            if given > bound or (low is not None and given < low):
                raise RecordProblem(
                    messages.TIMES_CONTRADICT.format(detail=f"{given:%d %B %Y %H:%M} for {chain[index].wording()}")
                )
            times[index] = given
        else:
            guessed.append(index)
            moment = now if bound == now else min(bound, aim(chain[index]))
            if low is not None and moment < low:
                moment = low
            if moment > bound:
                raise RecordProblem(messages.TIMES_CONTRADICT.format(detail=f"nothing fits {chain[index].wording()}"))
            times[index] = moment
        upper = times[index]
    if final == CANCEL and final_at is None:
        # Unknown: now if the date is still ahead; otherwise with the last step we know of.
        last = times[-1] if times else (after or now)
        final_at = now if deadline(chain[-1]) >= now and cap == now else last
    if final_at is not None and times and final_at < times[-1]:
        raise RecordProblem(messages.TIMES_CONTRADICT.format(detail=f"the last step comes after {final_at:%d %B %Y}"))
    return times, final_at, sorted(guessed)
