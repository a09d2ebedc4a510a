"""Each OSR metric on hand-built facts, with the exact expected figure, as of the end of a quarter.

Edge cases in each: no releases at all, cancelled releases, drafts, releases moved across a quarter's end, and history
written after the moment asked about (a release confirmed late stays late whatever happens to it afterwards).
"""

from datetime import date, time

import pytest

from progress.metrics import BY_KEY, Calculator, Row
from progress.quarters import Quarter
from tests.progress.builders import ReleaseHistory, at, change, facts, flag, item

Q1, Q2 = Quarter(2026, 1), Quarter(2026, 2)


def total(f, key: str, quarter: Quarter = Q1, as_of=None) -> Row:
    return Calculator(f).rows(BY_KEY[key], quarter, as_of or quarter.ends_at)[0]


def by(f, key: str, breakdown: str, quarter: Quarter = Q1) -> dict[str, Row]:
    return {row.label: row for row in Calculator(f).rows(BY_KEY[key], quarter, quarter.ends_at, breakdown)}


def test_quarters_run_in_london_time():
    assert Q1.key == "2026-Q1" and Q1.label == "January to March 2026"
    assert Q1.contains(at("2026-03-31", "23:59")) and not Q1.contains(at("2026-04-01", "00:00"))
    assert Q2.contains(at("2026-04-01", "00:30"))  # 23:30 UTC on 31 March, in summer time
    assert Quarter.parse("2026-Q5") is None and Quarter.parse("26-Q1") is None
    assert [q.key for q in Q1.last(3)] == ["2025-Q3", "2025-Q4", "2026-Q1"]
    assert Quarter(2025, 4).next() == Q1


def confirmed_register():
    f = facts()
    early = ReleaseHistory(f, producer=1, networks=(10,))
    early.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28)).confirm(at("2026-01-01"), at("2026-02-10"))
    early.publish()
    late = ReleaseHistory(f, producer=2, networks=(10, 20))
    late.window(at("2025-12-01"), date(2026, 3, 1), date(2026, 3, 31)).confirm(at("2026-02-20"), at("2026-03-05"))
    # Edited after the quarter ended (moved a long way ahead): the March figures must not change.
    late.move(at("2026-04-10"), at("2026-06-30"))
    across = ReleaseHistory(f, producer=1)
    across.window(at("2025-12-01"), date(2026, 3, 1), date(2026, 4, 30)).confirm(at("2026-01-02"), at("2026-03-30"))
    across.move(at("2026-03-10"), at("2026-04-07"))  # agreed change: now due in April, 28 days after the decision
    cancelled = ReleaseHistory(f, producer=1)
    cancelled.window(at("2025-12-01"), date(2026, 3, 1), date(2026, 3, 31)).confirm(at("2026-01-05"), at("2026-03-16"))
    cancelled.cancel(at("2026-02-01"))
    never = ReleaseHistory(f, producer=2)
    never.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28))  # window passed, never confirmed
    ReleaseHistory(f, producer=1).edit(at("2026-01-01"), state="draft", release_at=at("2026-02-02"))  # a draft
    return f


def test_confirmed_28_days_ahead_share():
    f = confirmed_register()

    q1 = total(f, "confirmed_28_days")
    assert (q1.numerator, q1.denominator, q1.value) == (1, 3, 33.3)
    assert q1.parts == (("28 days or more", 1), ("Under 28 days or never confirmed", 2))
    # The release moved across the quarter's end counts in April to June, with its notice from the agreed change.
    q2 = total(f, "confirmed_28_days", Q2)
    assert (q2.numerator, q2.denominator, q2.value) == (2, 2, 100.0)  # and "late", moved to 30 June 81 days ahead


def test_confirmed_late_stays_late_after_later_edits():
    f = confirmed_register()
    as_of_march = total(f, "confirmed_28_days", Q1, as_of=Q1.ends_at)
    as_of_later = Calculator(f).rows(BY_KEY["confirmed_28_days"], Q1, Q2.ends_at)[0]

    assert as_of_march == as_of_later  # the quarter's figure is capped at its end, whatever came later


def test_confirmed_by_producer_and_network():
    f = confirmed_register()

    producers = by(f, "confirmed_28_days", "producer")
    assert (producers["NHSE"].numerator, producers["NHSE"].denominator) == (1, 1)
    assert (producers["ONS"].numerator, producers["ONS"].denominator) == (0, 2)
    networks = by(f, "confirmed_28_days", "network")
    assert (networks["Cancer"].numerator, networks["Cancer"].denominator) == (1, 2)
    assert (networks["Urgent and emergency care"].numerator, networks["Urgent and emergency care"].denominator) == (0, 1)


def test_no_releases_gives_no_share_rather_than_zero():
    f = facts()
    row = total(f, "confirmed_28_days")
    assert (row.value, row.numerator, row.denominator) == (None, 0, 0)
    assert total(f, "lead_time").value is None
    assert total(f, "first_confirmed_date").value is None
    assert total(f, "standard_time").value is None
    assert total(f, "cancellations").value == 0.0
    assert total(f, "date_changes").value == 0.0


def test_lead_time_median_and_bands():
    f = confirmed_register()

    row = total(f, "lead_time")
    assert row.value == 26.5  # 40 and 13 days
    assert row.parts == (("Under 14 days", 1), ("14 to 27 days", 0), ("28 to 55 days", 1), ("56 days or more", 0))
    assert total(f, "lead_time", Q2).value == (28 + 81) / 2  # moved into April (28) and the late one to 30 June (81)


def test_published_on_first_confirmed_date():
    f = facts()
    kept = ReleaseHistory(f)
    kept.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28)).confirm(at("2026-01-01"), at("2026-02-10"))
    kept.publish()
    moved = ReleaseHistory(f)
    moved.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28)).confirm(at("2026-01-01"), at("2026-02-02"))
    moved.move(at("2026-01-20"), at("2026-02-09")).publish()
    unpublished = ReleaseHistory(f)  # overdue: due in the quarter but never published, so not counted here
    unpublished.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28)).confirm(at("2026-01-01"), at("2026-02-03"))
    # Published in the next quarter (moved across the quarter's end before publication)
    later = ReleaseHistory(f)
    later.window(at("2025-12-01"), date(2026, 3, 1), date(2026, 4, 30)).confirm(at("2026-01-01"), at("2026-03-31"))
    later.move(at("2026-03-01"), at("2026-04-02")).publish()

    row = total(f, "first_confirmed_date")
    assert (row.numerator, row.denominator, row.value) == (1, 2, 50.0)
    assert row.refs == (kept.id, moved.id)
    q2 = total(f, "first_confirmed_date", Q2)
    assert (q2.numerator, q2.denominator) == (0, 1)


def test_standard_time_or_approved_alternative():
    f = facts()
    f.series = {
        5: {"id": 5, "title": "Ambulance", "slug": "amb", "frequency": "monthly", "is_active": True,
            "alternative_release_time": time(16, 0), "alternative_time_approved_on": date(2026, 2, 1)},
    }  # fmt: skip

    def published(when, series=None):
        r = ReleaseHistory(f, series=series)
        r.window(at("2025-12-01"), when.date().replace(day=1), when.date().replace(day=28))
        return r.confirm(at("2026-01-01"), when).publish()

    published(at("2026-02-10", "09:30"))  # Tuesday at 9:30: standard
    published(at("2026-02-10", "16:00"), series=5)  # approved alternative from 1 February
    published(at("2026-01-20", "16:00"), series=5)  # before the approval: not standard
    published(at("2026-02-10", "07:00"))  # another time
    published(at("2026-02-14", "09:30"))  # Saturday
    published(at("2026-04-03", "09:30"))  # Good Friday, in the next quarter

    row = total(f, "standard_time")
    assert (row.numerator, row.denominator, row.value) == (2, 5, 40.0)
    q2 = total(f, "standard_time", Q2)
    assert (q2.numerator, q2.denominator) == (0, 1)


def test_date_changes_with_short_notice():
    f = facts()
    r = ReleaseHistory(f, producer=2, networks=(20,))
    r.window(at("2025-12-01"), date(2026, 3, 1), date(2026, 3, 31)).confirm(at("2026-01-01"), at("2026-03-20"))
    short = change(f, r, decided=at("2026-03-01", "12:00"), before=at("2026-03-20"), after=at("2026-03-27"))
    long = change(f, r, decided=at("2026-01-10", "12:00"), before=at("2026-03-10"), after=at("2026-03-20"))
    change(f, r, decided=at("2026-04-02", "12:00"), before=at("2026-05-20"), after=at("2026-05-27"))  # next quarter
    earlier = change(f, r, decided=at("2026-02-01", "12:00"), before=at("2026-04-20"), after=at("2026-02-25"))

    row = total(f, "date_changes")
    assert row.value == 3.0
    assert row.parts == (("Under 4 weeks' notice", 2), ("4 weeks' notice or more", 1))
    assert row.refs == tuple(sorted((short, long, earlier)))  # moved earlier to 24 days ahead: short notice
    assert by(f, "date_changes", "producer")["ONS"].value == 3.0
    assert by(f, "date_changes", "producer")["NHSE"].value == 0.0
    assert by(f, "date_changes", "network")["Urgent and emergency care"].value == 3.0
    assert total(f, "date_changes", Q2).value == 1.0


def test_cancellations_and_duplicates_removed():
    f = facts()
    kept = ReleaseHistory(f)
    kept.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28))
    plain = ReleaseHistory(f)
    plain.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28)).cancel(at("2026-01-15"), "Supplier failed")
    dup = ReleaseHistory(f, producer=2)
    dup.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28)).cancel(at("2026-03-31", "23:00"),
                                                                             "Duplicate", in_favour_of=kept.id)  # fmt: skip
    later = ReleaseHistory(f)
    later.window(at("2025-12-01"), date(2026, 5, 1), date(2026, 5, 31)).cancel(at("2026-04-01", "00:10"))

    row = total(f, "cancellations")
    assert row.value == 2.0 and row.parts == (("Other reasons", 1), ("Withdrawn as a duplicate", 1))
    assert row.refs == (plain.id, dup.id)
    removed = total(f, "duplicates_removed")
    assert removed.value == 1.0 and removed.refs == (dup.id,)
    assert total(f, "cancellations", Q2).value == 1.0
    assert total(f, "duplicates_removed", Q2).value == 0.0


def test_clashes_found_settled_and_open_too_long():
    f = facts()
    a = ReleaseHistory(f, producer=1, networks=(20,))
    a.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28))
    b = ReleaseHistory(f, producer=2, networks=(20,))
    b.window(at("2025-12-01"), date(2026, 2, 1), date(2026, 2, 28))
    found_settled = flag(f, kind="clash", raised=at("2026-01-10"), releases=(a.id, b.id), network=20,
                         settled=at("2026-02-01"))  # fmt: skip
    flag(f, kind="clash", raised=at("2026-03-20"), releases=(a.id,), network=20)  # open 11 days: fine
    old_open = flag(f, kind="overload", raised=at("2025-11-01"), network=20)  # open since last year
    flag(f, kind="clash", raised=at("2025-11-01"), network=20, settled=at("2026-04-03"))  # settled after the quarter
    flag(f, kind="duplicate", raised=at("2026-02-01"), releases=(a.id, b.id), settled=at("2026-02-02"),
         status="dismissed")  # fmt: skip
    flag(f, kind="clash", raised=at("2026-04-02"), network=20)  # raised after the quarter

    row = total(f, "clashes")
    assert row.value == 2.0  # found in the quarter
    assert row.parts == (("Found in the quarter", 2), ("Settled in the quarter", 1),
                         ("Open for over 30 days at the quarter's end", 2))  # fmt: skip
    assert found_settled in row.refs and old_open in row.refs
    producers = by(f, "clashes", "producer")
    assert producers["NHSE"].value == 2.0 and producers["ONS"].value == 1.0
    dup = total(f, "duplicates")
    assert dup.value == 1.0 and dup.parts == (("Found in the quarter", 1), ("Settled in the quarter", 1),
                                              ("Open for over 30 days at the quarter's end", 0))  # fmt: skip


def test_series_coverage_twelve_months_ahead():
    f = facts()
    f.series = {
        1: {"id": 1, "title": "Monthly", "slug": "m", "frequency": "monthly", "is_active": True,
            "alternative_release_time": None, "alternative_time_approved_on": None},
        2: {"id": 2, "title": "Short", "slug": "s", "frequency": "monthly", "is_active": True,
            "alternative_release_time": None, "alternative_time_approved_on": None},
        3: {"id": 3, "title": "Ad hoc", "slug": "a", "frequency": "ad_hoc", "is_active": True,
            "alternative_release_time": None, "alternative_time_approved_on": None},
        4: {"id": 4, "title": "Retired", "slug": "r", "frequency": "monthly", "is_active": False,
            "alternative_release_time": None, "alternative_time_approved_on": None},
        5: {"id": 5, "title": "Unused", "slug": "u", "frequency": "monthly", "is_active": True,
            "alternative_release_time": None, "alternative_time_approved_on": None},
    }  # fmt: skip
    f.series_producers = {1: (1,), 2: (2,)}
    # As at 1 April 2026 the horizon is 1 April 2027; a monthly series needs a window reaching 1 March 2027.
    ReleaseHistory(f, series=1).window(at("2026-01-10"), date(2027, 3, 1), date(2027, 3, 31))
    ReleaseHistory(f, series=2).window(at("2026-01-10"), date(2027, 2, 1), date(2027, 2, 28))
    ReleaseHistory(f, series=3).window(at("2026-01-10"), date(2026, 6, 1), date(2026, 6, 30))
    ReleaseHistory(f, series=4).window(at("2026-01-10"), date(2026, 6, 1), date(2026, 6, 30))
    covered_later = ReleaseHistory(f, series=2)
    covered_later.window(at("2026-04-10"), date(2027, 6, 1), date(2027, 6, 30))  # announced after the quarter

    row = total(f, "series_coverage")
    assert (row.numerator, row.denominator, row.value) == (1, 2, 50.0)
    assert by(f, "series_coverage", "producer")["ONS"].numerator == 0


def test_action_items_as_they_stood():
    f = facts()
    f.plans = {7: {"id": 7, "network_id": 10, "status": "published", "published_at": at("2025-10-01"), "title": "P"},
               8: {"id": 8, "network_id": 20, "status": "published", "published_at": at("2026-05-01"), "title": "Q"}}  # fmt: skip
    item(f, plan=7, due=date(2026, 6, 1), history=[(at("2025-10-01"), "not_started"), (at("2026-03-01"), "complete")])
    item(f, plan=7, due=date(2026, 3, 1), history=[(at("2025-10-01"), "in_progress")])  # overdue at the end of March
    item(f, plan=7, due=date(2026, 6, 1), history=[(at("2025-10-01"), "in_progress"), (at("2026-04-20"), "complete")])
    item(f, plan=7, due=date(2026, 6, 1), history=[(at("2025-10-01"), "blocked")])
    item(f, plan=7, due=date(2026, 6, 1), history=[(at("2026-04-02"), "not_started")])  # added after the quarter
    item(f, plan=8, due=date(2026, 6, 1), history=[(at("2026-01-02"), "in_progress")])  # plan not yet published

    row = total(f, "action_items")
    assert row.value == 4.0
    assert row.parts == (("Complete", 1), ("On track", 1), ("Overdue", 1), ("Blocked", 1), ("Dropped", 0))
    assert by(f, "action_items", "network")["Cancer"].value == 4.0
    assert Calculator(f).rows(BY_KEY["action_items"], Q1, Q1.ends_at, "producer") == []
    plans = total(f, "published_plans")
    assert (plans.numerator, plans.denominator) == (1, 2)
    assert total(f, "published_plans", Q2).numerator == 2


def test_engagement_lessons_and_subscribers():
    f = facts()
    f.activities = [
        {"id": 1, "network_id": 10, "title": "Event", "held_on": date(2026, 2, 3), "people_reached": 40, "kind": "event"},
        {"id": 2, "network_id": 20, "title": "Survey", "held_on": date(2026, 3, 31), "people_reached": 9, "kind": "survey"},
        {"id": 3, "network_id": 20, "title": "Later", "held_on": date(2026, 4, 1), "people_reached": 9, "kind": "survey"},
    ]  # fmt: skip
    f.lessons = [{"id": 1, "network_id": 10, "title": "L", "recorded_on": date(2026, 1, 1)},
                 {"id": 2, "network_id": 10, "title": "M", "recorded_on": date(2025, 12, 31)}]  # fmt: skip
    f.subscribers = {Q1.ends_at: 123}

    row = total(f, "engagement_activities")
    assert row.value == 2.0 and dict(row.parts)["Event"] == 1 and dict(row.parts)["Survey"] == 1
    assert by(f, "engagement_activities", "network")["Urgent and emergency care"].value == 1.0
    assert total(f, "lessons").value == 1.0
    assert total(f, "subscribers").value == 123.0


def test_harmonised_measures_as_of():
    f = facts()
    f.definition_versions = {
        1: [{"id": 1, "measure_id": 100, "owner_id": 1, "is_harmonised": False, "history_date": at("2025-06-01"),
             "history_id": 1, "history_type": "+"},
            {"id": 1, "measure_id": 100, "owner_id": 1, "is_harmonised": True, "history_date": at("2026-02-01"),
             "history_id": 2, "history_type": "~"}],
        2: [{"id": 2, "measure_id": 200, "owner_id": 2, "is_harmonised": False, "history_date": at("2025-06-01"),
             "history_id": 3, "history_type": "+"}],
        3: [{"id": 3, "measure_id": 300, "owner_id": 2, "is_harmonised": True, "history_date": at("2026-04-05"),
             "history_id": 4, "history_type": "+"}],
    }  # fmt: skip

    q4 = total(f, "harmonised_measures", Quarter(2025, 4))
    assert (q4.numerator, q4.denominator) == (0, 2)
    q1 = total(f, "harmonised_measures")
    assert (q1.numerator, q1.denominator, q1.value) == (1, 2, 50.0)
    assert by(f, "harmonised_measures", "producer")["ONS"].numerator == 0
    assert total(f, "harmonised_measures", Q2).numerator == 2


@pytest.mark.parametrize("key", list(BY_KEY))
def test_every_metric_has_a_definition_and_handles_an_empty_register(key):
    metric = BY_KEY[key]
    assert metric.title and len(metric.definition) > 40
    row = total(facts(), key)
    assert row.value in (None, 0.0) or key == "published_plans"
