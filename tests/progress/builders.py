"""Hand-built facts for the metric tests: release history rows, changes, flags, items ... as plain values."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from progress.facts import Facts
from progress.quarters import Quarter

LONDON = ZoneInfo("Europe/London")
_ids = count(1)


def at(day: str, clock: str = "09:30") -> datetime:
    """A London moment, for example at("2026-02-10", "09:30")."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=LONDON)


def facts(quarters: int = 8, until: Quarter | None = None) -> Facts:
    until = until or Quarter(2026, 2)
    first = until.last(quarters)[0]
    return Facts(since=first.first_day, until=until.ends_at, producers={1: "NHSE", 2: "ONS"},
                 networks={10: "Cancer", 20: "Urgent and emergency care"})  # fmt: skip


class ReleaseHistory:
    """Plays one release's history rows as the services would write them."""

    def __init__(self, f: Facts, *, producer: int = 1, networks: tuple[int, ...] = (), series: int | None = None):
        self.f = f
        self.id = next(_ids)
        self.row: dict[str, Any] = {
            "id": self.id, "title": f"Release {self.id}", "slug": f"release-{self.id}", "state": "draft",
            "precision": "month", "release_at": None, "starts_on": date(2026, 1, 1), "ends_on": date(2026, 1, 31),
            "announced_at": None, "published_at": None, "cancelled_at": None, "cancellation_reason": "",
            "withdrawn_in_favour_of_id": None, "lead_producer_id": producer, "series_id": series,
        }  # fmt: skip
        f.release_versions[self.id] = []
        if networks:
            f.release_networks[self.id] = networks

    def _save(self, when: datetime, **changes: Any) -> ReleaseHistory:
        self.row.update(changes)
        self.f.release_versions[self.id].append(
            {**self.row, "revised_at": when, "history_id": next(_ids), "history_type": "~"}
        )
        return self

    def window(self, when: datetime, first: date, last: date) -> ReleaseHistory:
        return self._save(when, state="provisional", precision="month", starts_on=first, ends_on=last,
                          announced_at=when)  # fmt: skip

    def confirm(self, when: datetime, release: datetime) -> ReleaseHistory:
        day = release.astimezone(LONDON).date()
        return self._save(when, state="confirmed", precision="exact", release_at=release, starts_on=day, ends_on=day,
                          announced_at=self.row["announced_at"] or when)  # fmt: skip

    def move(self, when: datetime, release: datetime) -> ReleaseHistory:
        day = release.astimezone(LONDON).date()
        return self._save(when, release_at=release, starts_on=day, ends_on=day)

    def edit(self, when: datetime, **changes: Any) -> ReleaseHistory:
        return self._save(when, **changes)

    def publish(self, when: datetime | None = None) -> ReleaseHistory:
        moment = when or self.row["release_at"]
        return self._save(moment, state="published", published_at=moment)

    def cancel(self, when: datetime, reason: str = "No data", in_favour_of: int | None = None) -> ReleaseHistory:
        return self._save(when, state="cancelled", cancelled_at=when, cancellation_reason=reason,
                          withdrawn_in_favour_of_id=in_favour_of)  # fmt: skip


def change(f: Facts, release: ReleaseHistory, *, decided: datetime, before: datetime, after: datetime,
           reason: str = "Late data") -> int:  # fmt: skip
    pk = next(_ids)
    f.changes.append({"id": pk, "release_id": release.id, "previous_release_at": before, "previous_starts_on": None,
                      "new_release_at": after, "new_starts_on": None, "reason": reason, "decided_at": decided})  # fmt: skip
    return pk


def flag(f: Facts, *, kind: str, raised: datetime, releases: tuple[int, ...] = (), network: int | None = None,
         settled: datetime | None = None, status: str = "resolved") -> int:  # fmt: skip
    pk = next(_ids)
    rows = [{"id": pk, "kind": kind, "status": "open", "raised_at": raised, "settled_at": None, "network_id": network,
             "history_date": raised, "history_id": next(_ids), "explanation": "Found"}]  # fmt: skip
    if settled is not None:
        rows.append({**rows[0], "status": status, "settled_at": settled, "history_date": settled,
                     "history_id": next(_ids)})  # fmt: skip
    f.flag_versions[pk] = rows
    f.flag_releases[pk] = releases
    return pk


def item(f: Facts, *, plan: int, due: date, history: list[tuple[datetime, str]]) -> int:
    pk = next(_ids)
    f.item_versions[pk] = [{"id": pk, "plan_id": plan, "title": f"Item {pk}", "status": status, "due_on": due,
                            "history_date": when, "history_id": next(_ids), "history_type": "~"}
                           for when, status in history]  # fmt: skip
    return pk
