"""The engines against the database: raising, refreshing, retiring and settling flags."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from coordination.choices import FlagKind, FlagStatus, RelationKind
from coordination.flagging import (
    NO_LONGER_APPLIES,
    flag_acknowledge,
    flag_can_settle,
    flag_checks_deferred,
    flag_confirm_duplicate,
    flag_dismiss,
    flag_mark_coordinated,
    flag_resolve,
    flags_check_release,
    flags_rescan,
    releases_relate,
)
from coordination.models import AvoidDate, Flag, ReleaseRelation
from releases import messages
from releases.choices import Designation, Frequency, Geography, State
from releases.models import Definition, Measure
from tests.factories import (
    ConfirmedReleaseFactory,
    ProvisionalReleaseFactory,
    ReleaseSeriesFactory,
    london,
)

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=london(date(2027, 3, 1)).tzinfo)
DAY = date(2027, 5, 12)  # a Wednesday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def confirmed(producer, network, *, day=DAY, at=time(9, 30), title=None, **kwargs):
    release = ConfirmedReleaseFactory(
        lead_producer=producer,
        release_at=london(day, at),
        confirmed_at=NOW - timedelta(days=10),
        networks=[network] if network else [],
        **({"title": title} if title else {}),
        **kwargs,
    )
    return release


def flags(kind=None):
    qs = Flag.objects.all()
    return qs.filter(kind=kind) if kind else qs


@pytest.mark.django_db
class TestClashes:
    def test_cross_producer_releases_in_one_network_on_one_day_raise_one_clash(self, cast):
        a = confirmed(cast.producer, cast.network, title="A&E attendances and emergency admissions, April 2027")
        b = confirmed(cast.other_producer, cast.network, title="Hospital admissions in England, April 2027")

        result = flags_rescan()

        clash = flags(FlagKind.CLASH).get()
        assert set(clash.releases.all()) == {a, b}
        assert clash.network == cast.network
        assert clash.status == FlagStatus.OPEN
        assert "12 May 2027" in clash.explanation and "Urgent and emergency care" in clash.explanation
        assert "(NHS England)" in clash.explanation and "(Office for National Statistics)" in clash.explanation
        assert result.raised >= 1

    def test_same_producer_or_other_day_does_not_clash(self, cast):
        confirmed(cast.producer, cast.network)
        confirmed(cast.producer, cast.network)
        confirmed(cast.other_producer, cast.network, day=DAY + timedelta(days=1))

        flags_rescan()

        assert not flags(FlagKind.CLASH).exists()

    def test_rescan_twice_changes_nothing(self, cast):
        confirmed(cast.producer, cast.network)
        confirmed(cast.other_producer, cast.network)
        flags_rescan()
        before = list(Flag.history.values_list("history_id", flat=True))

        second = flags_rescan()

        assert second.changed == 0
        assert list(Flag.history.values_list("history_id", flat=True)) == before

    def test_marking_coordinated_settles_and_is_not_raised_again(self, cast):
        a = confirmed(cast.producer, cast.network)
        b = confirmed(cast.other_producer, cast.network)
        flags_rescan()
        clash = flags(FlagKind.CLASH).get()

        flag_mark_coordinated(actor=cast.lead, flag=clash, reason="Agreed joint briefing")
        flags_rescan()

        clash.refresh_from_db()
        assert clash.status == FlagStatus.RESOLVED
        assert clash.settle_reason == "Marked as coordinated: Agreed joint briefing"
        assert clash.settled_by == cast.lead
        first = min(a, b, key=lambda r: r.pk)
        assert ReleaseRelation.objects.filter(kind=RelationKind.COORDINATED, first=first).exists()
        assert flags(FlagKind.CLASH).count() == 1

    def test_dismissed_clash_reopens_when_a_third_release_joins(self, cast, django_user_model):
        confirmed(cast.producer, cast.network)
        confirmed(cast.other_producer, cast.network)
        flags_rescan()
        clash = flags(FlagKind.CLASH).get()
        flag_dismiss(actor=cast.secretariat, flag=clash, reason="Different audiences")
        flags_rescan()
        clash.refresh_from_db()
        assert clash.status == FlagStatus.DISMISSED

        from tests.factories import ProducerFactory

        third = confirmed(ProducerFactory(name="UKHSA", abbreviation="UKHSA", slug="ukhsa"), cast.network)
        flags_rescan()

        clash.refresh_from_db()
        assert clash.status == FlagStatus.OPEN
        assert third in clash.releases.all()
        assert clash.history.first().history_change_reason == "Opened again: the facts behind it changed"

    def test_moving_a_release_away_retires_the_clash_on_save(self, cast):
        a = confirmed(cast.producer, cast.network)
        confirmed(cast.other_producer, cast.network)
        flags_rescan()
        old_day = a.starts_on
        a.release_at = london(DAY + timedelta(days=7))
        a.starts_on = a.ends_on = DAY + timedelta(days=7)
        a.save()

        flags_check_release(a, old_days=[old_day])

        clash = flags(FlagKind.CLASH).get()
        assert clash.status == FlagStatus.RESOLVED
        assert clash.settle_reason == NO_LONGER_APPLIES
        assert clash.is_current is False

    def test_overload_of_major_releases(self, cast):
        cast.network.max_major_releases_per_day = 1
        cast.network.save()
        confirmed(cast.producer, cast.network, designation=Designation.ACCREDITED)
        confirmed(cast.producer, cast.network, designation=Designation.OFFICIAL)
        confirmed(cast.producer, cast.network, designation=Designation.MANAGEMENT_INFORMATION)

        flags_rescan()

        overload = flags(FlagKind.OVERLOAD).get()
        assert overload.releases.count() == 2
        assert "more than the 1 the network allows" in overload.explanation

    def test_avoid_dates_everywhere_and_per_network(self, cast):
        AvoidDate.objects.create(starts_on=DAY, ends_on=DAY, reason="Spring Budget")
        AvoidDate.objects.create(starts_on=DAY + timedelta(days=1), ends_on=DAY + timedelta(days=1),
                                 network=cast.other_network, reason="Cancer conference")  # fmt: skip
        on_budget = confirmed(cast.producer, cast.network)
        confirmed(cast.producer, cast.network, day=DAY + timedelta(days=1))

        flags_rescan()

        hit = flags(FlagKind.AVOID_DATE).get()
        assert list(hit.releases.all()) == [on_budget]
        assert hit.explanation.endswith("a day to avoid: Spring Budget.")


@pytest.mark.django_db
class TestMisalignment:
    def test_related_releases_days_apart_suggest_the_later_day(self, cast):
        a = confirmed(cast.producer, cast.network, day=date(2027, 5, 10))
        b = confirmed(cast.other_producer, None, day=date(2027, 5, 12))
        releases_relate(actor=cast.secretariat, first=a, second=b, kind=RelationKind.RELATED)

        flag = flags(FlagKind.MISALIGNED).get()

        assert set(flag.releases.all()) == {a, b}
        assert "Publishing both on 12 May 2027 would align them" in flag.explanation

    def test_same_day_related_releases_are_aligned(self, cast):
        a = confirmed(cast.producer, None)
        b = confirmed(cast.other_producer, None)
        releases_relate(actor=cast.secretariat, first=a, second=b, kind=RelationKind.RELATED)

        flags_rescan()

        assert not flags(FlagKind.MISALIGNED).exists()


@pytest.mark.django_db
class TestDuplicates:
    TITLE = "Provisional Monthly Hospital Episode Statistics for Admitted Patient Care, Outpatient and Accident and "

    def pair(self, cast, second_title):
        kwargs = {
            "reference_period_start": date(2027, 2, 1),
            "reference_period_end": date(2027, 3, 31),
            "networks": [cast.network],
        }
        first_title = self.TITLE + "Emergency data - February 2027 - March 2027"
        a = ProvisionalReleaseFactory(lead_producer=cast.producer, title=first_title, **kwargs)
        b = ProvisionalReleaseFactory(lead_producer=cast.other_producer, title=second_title, **kwargs)
        return a, b

    def test_near_duplicate_titles_from_two_producers_are_flagged(self, cast):
        a, b = self.pair(cast, self.TITLE + "Emergency data, February 2027, March 2027")

        flags_check_release(b)

        flag = flags(FlagKind.DUPLICATE).get()
        assert set(flag.releases.all()) == {a, b}
        assert "100% similar title" in flag.explanation

    def test_different_statistics_are_not(self, cast):
        self.pair(cast, "Cancer waiting times, February 2027 to March 2027")

        flags_rescan()

        assert not flags(FlagKind.DUPLICATE).exists()

    def test_confirming_a_duplicate_withdraws_one_with_a_pointer(self, cast):
        a, b = self.pair(cast, self.TITLE + "Emergency data, February 2027, March 2027")
        flags_rescan()
        flag = flags(FlagKind.DUPLICATE).get()

        flag_confirm_duplicate(actor=cast.lead, flag=flag, withdraw=b, reason="NHS England publishes these")

        b.refresh_from_db()
        flag.refresh_from_db()
        assert b.state == State.CANCELLED
        assert b.withdrawn_in_favour_of == a
        assert a.title in b.cancellation_reason
        assert flag.status == FlagStatus.RESOLVED
        flags_rescan()
        assert not flags(FlagKind.DUPLICATE).filter(status=FlagStatus.OPEN).exists()

    def test_dismissed_duplicate_is_not_raised_again(self, cast):
        self.pair(cast, self.TITLE + "Emergency data, February 2027, March 2027")
        flags_rescan()
        flag = flags(FlagKind.DUPLICATE).get()
        flag_dismiss(actor=cast.editor, flag=flag, reason="Different coverage of providers")

        result = flags_rescan()

        flag.refresh_from_db()
        assert flag.status == FlagStatus.DISMISSED
        assert result.changed == 0


@pytest.mark.django_db
class TestBreaches:
    def test_short_notice(self, cast):
        late = confirmed(cast.producer, None, day=date(2027, 3, 15))
        late.confirmed_at = NOW
        late.save()
        on_time = confirmed(cast.producer, None, day=date(2027, 5, 12))
        on_time.confirmed_at = NOW
        on_time.save()

        flags_rescan()

        flag = flags(FlagKind.SHORT_NOTICE).get()
        assert list(flag.releases.all()) == [late]
        assert "confirmed 14 days ahead" in flag.explanation

    def test_weekend_and_bank_holiday(self, cast):
        saturday = confirmed(cast.producer, None, day=date(2027, 5, 15))
        holiday = confirmed(cast.producer, None, day=date(2027, 5, 31))
        confirmed(cast.producer, None, day=date(2027, 5, 12))

        flags_rescan()

        found = {f.releases.get(): f.explanation for f in flags(FlagKind.NON_WORKING_DAY)}
        assert set(found) == {saturday, holiday}
        assert "a Saturday" in found[saturday]
        assert "a bank holiday (Spring Bank Holiday)" in found[holiday]

    def test_non_standard_time_unless_approved(self, cast):
        approved = ReleaseSeriesFactory(producers=[cast.producer], alternative_release_time=time(16, 0),
                                        alternative_time_approved_on=date(2026, 1, 5),
                                        alternative_time_reference="OSR/2026/01")  # fmt: skip
        confirmed(cast.producer, None, at=time(16, 0), series=approved)
        odd = confirmed(cast.producer, None, at=time(10, 0))

        flags_rescan()

        flag = flags(FlagKind.NON_STANDARD_TIME).get()
        assert list(flag.releases.all()) == [odd]
        assert "due at 10am" in flag.explanation

    def test_overdue(self, cast):
        passed = confirmed(cast.producer, None, day=date(2027, 2, 24))
        flags_rescan()

        flag = flags(FlagKind.OVERDUE).get()
        assert list(flag.releases.all()) == [passed]

    def test_series_without_twelve_months_of_announcements(self, cast):
        covered = ReleaseSeriesFactory(producers=[cast.producer], frequency=Frequency.ANNUAL, title="Covered")
        bare = ReleaseSeriesFactory(producers=[cast.producer], frequency=Frequency.MONTHLY, title="Bare")
        ReleaseSeriesFactory(producers=[cast.producer], frequency=Frequency.AD_HOC, title="Ad hoc")
        confirmed(cast.producer, None, series=covered, day=date(2027, 4, 14))
        short = ProvisionalReleaseFactory(lead_producer=cast.producer, series=bare, starts_on=date(2027, 6, 1),
                                          ends_on=date(2027, 6, 30))  # fmt: skip

        flags_rescan()

        flag = flags(FlagKind.NO_COVERAGE).get()
        assert flag.series == bare
        assert "announcements reach only 30 June 2027" in flag.explanation
        assert short.series == bare


@pytest.mark.django_db
class TestDefinitions:
    def test_one_measure_on_two_definitions_in_a_network_is_incoherent(self, cast):
        measure = Measure.objects.create(name="Emergency admission", slug="emergency-admission")
        nhse = Definition.objects.create(measure=measure, owner=cast.producer, text="Admitted via A&E", version="2")
        ons = Definition.objects.create(measure=measure, owner=cast.other_producer, text="Any unplanned admission")
        a = confirmed(cast.producer, cast.network)
        b = confirmed(cast.other_producer, cast.network, day=DAY + timedelta(days=20))
        a.definitions.set([nhse])
        b.definitions.set([ons])

        flags_rescan()

        flag = flags(FlagKind.INCOHERENT).get()
        assert set(flag.releases.all()) == {a, b}
        assert "'Emergency admission' on 2 different definitions" in flag.explanation

    def test_the_same_definition_is_coherent(self, cast):
        measure = Measure.objects.create(name="Emergency admission", slug="emergency-admission")
        shared = Definition.objects.create(measure=measure, owner=cast.producer, text="Admitted via A&E",
                                           is_harmonised=True)  # fmt: skip
        for producer in (cast.producer, cast.other_producer):
            confirmed(producer, cast.network, day=DAY + timedelta(days=3)).definitions.set([shared])

        flags_rescan()

        assert not flags(FlagKind.INCOHERENT).exists()


@pytest.mark.django_db
class TestSettling:
    @pytest.fixture
    def clash(self, cast):
        confirmed(cast.producer, cast.network)
        confirmed(cast.other_producer, cast.network)
        flags_rescan()
        return flags(FlagKind.CLASH).get()

    @pytest.mark.parametrize(
        ("who", "allowed"),
        [
            ("editor", True),
            ("hop", True),
            ("other_editor", True),
            ("lead", True),
            ("secretariat", True),
            ("other_lead", False),
            ("member", False),
            ("osr", False),
        ],
    )
    def test_who_may_settle(self, cast, clash, who, allowed):
        actor = getattr(cast, who)
        assert flag_can_settle(actor, clash) is allowed
        if allowed:
            flag_resolve(actor=actor, flag=clash, reason="Moved ours to the next week")
            clash.refresh_from_db()
            assert clash.status == FlagStatus.RESOLVED
        else:
            with pytest.raises(PermissionDenied, match=messages.FLAG_NOT_YOURS):
                flag_resolve(actor=actor, flag=clash, reason="Not mine")
            clash.refresh_from_db()
            assert clash.status == FlagStatus.OPEN

    def test_acknowledge_then_resolve_with_history(self, cast, clash):
        flag_acknowledge(actor=cast.lead, flag=clash, note="Talking to both teams")
        flag_resolve(actor=cast.lead, flag=clash, reason="ONS moved to 19 May")

        reasons = list(clash.history.values_list("history_change_reason", "history_user__username"))
        assert reasons[:2] == [
            ("Resolved: ONS moved to 19 May", "lead"),
            ("Acknowledged: Talking to both teams", "lead"),
        ]

    @pytest.mark.parametrize("settle", [flag_resolve, flag_dismiss, flag_mark_coordinated])
    def test_settling_needs_a_reason(self, cast, clash, settle):
        with pytest.raises(ValidationError) as error:
            settle(actor=cast.lead, flag=clash, reason="  ")

        assert error.value.message_dict == {"reason": [messages.FLAG_REASON_REQUIRED]}
        clash.refresh_from_db()
        assert clash.status == FlagStatus.OPEN

    def test_a_settled_flag_cannot_be_settled_again(self, cast, clash):
        flag_dismiss(actor=cast.lead, flag=clash, reason="Different audiences")

        with pytest.raises(ValidationError, match="This flag has already been dismissed."):
            flag_resolve(actor=cast.lead, flag=clash, reason="again")

    def test_only_a_clash_can_be_marked_coordinated(self, cast):
        confirmed(cast.producer, None, day=date(2027, 5, 15))
        flags_rescan()
        weekend = flags(FlagKind.NON_WORKING_DAY).get()

        with pytest.raises(ValidationError, match=messages.FLAG_NOT_A_CLASH):
            flag_mark_coordinated(actor=cast.editor, flag=weekend, reason="x")


@pytest.mark.django_db
def test_geography_choices_include_the_nations():
    assert {"wales", "scotland", "northern_ireland"} <= set(Geography.values)


@pytest.mark.django_db
class TestOnSave:
    def test_confirming_through_the_service_raises_the_clash_in_the_same_request(self, cast):
        from releases.services import release_confirm

        other = confirmed(cast.other_producer, cast.network)
        mine = ProvisionalReleaseFactory(lead_producer=cast.producer, networks=[cast.network],
                                         starts_on=date(2027, 5, 1), ends_on=date(2027, 5, 31))  # fmt: skip

        release_confirm(actor=cast.editor, release=mine, release_at=london(DAY))

        clash = Flag.objects.get(kind=FlagKind.CLASH, releases=mine)
        assert set(clash.releases.all()) == {mine, other}

    def test_cancelling_through_the_service_retires_the_clash(self, cast):
        from releases.services import release_cancel

        mine = confirmed(cast.producer, cast.network)
        confirmed(cast.other_producer, cast.network)
        flags_rescan()

        release_cancel(actor=cast.editor, release=mine, reason="Merged into the quarterly release")

        clash = Flag.objects.get(kind=FlagKind.CLASH)
        assert clash.status == FlagStatus.RESOLVED and clash.is_current is False

    def test_a_draft_raises_no_flags_but_previews_them(self, cast):
        from coordination.flagging import release_preview_findings
        from tests.factories import ReleaseFactory

        confirmed(cast.other_producer, cast.network)
        draft = ReleaseFactory(
            lead_producer=cast.producer,
            networks=[cast.network],
            precision="exact",
            release_at=london(DAY),
            starts_on=DAY,
            ends_on=DAY,
        )

        assert flags_check_release(draft) == []
        assert not Flag.objects.exists()
        preview = release_preview_findings(draft)
        assert any("are both due in Urgent and emergency care on 12 May 2027" in p for p in preview)


@pytest.mark.django_db
class TestDeferredChecks:
    """Many writes in a row (the demo) check flags once at the end, and find what the on-save checks would have."""

    def test_checks_inside_wait_for_one_rescan_at_the_end(self, cast):
        with flag_checks_deferred():
            a = confirmed(cast.producer, cast.network, title="A&E attendances and emergency admissions, April 2027")
            b = confirmed(cast.other_producer, cast.network, title="Hospital admissions in England, April 2027")
            assert flags_check_release(a) == [] and flags_check_release(b) == []
            assert not flags().exists()  # nothing raised while the writes go on

        clash = flags(FlagKind.CLASH).get()  # ... and the one rescan raised what the checks would have
        assert set(clash.releases.all()) == {a, b}
        assert flags_rescan().changed == 0

    def test_nested_blocks_rescan_once_and_an_untouched_block_not_at_all(self, cast, django_assert_num_queries):
        with django_assert_num_queries(0), flag_checks_deferred():
            pass
        a = confirmed(cast.producer, cast.network, title="A&E attendances and emergency admissions, April 2027")
        with flag_checks_deferred():
            with flag_checks_deferred():
                flags_check_release(a)
            assert not flags().exists()  # the inner block left the rescan to the outer one
            b = confirmed(cast.other_producer, cast.network, title="Hospital admissions in England, April 2027")
            flags_check_release(b)
        assert flags(FlagKind.CLASH).count() == 1
