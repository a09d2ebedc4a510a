"""releases/hooks.py: how the apps above the register react to its writes, in a fixed order, in the same transaction."""

import pytest

from releases import hooks, services
from releases.choices import PublicChange, State
from releases.models import Release
from tests.factories import ProvisionalReleaseFactory


def test_the_apps_above_the_register_register_their_receivers():
    assert list(hooks._saved) and set(hooks._saved) == {"coordination", "alerts", "public_calendar"}
    assert set(hooks._warnings) == {"coordination"}


def test_receivers_run_in_the_documented_order_whatever_the_order_they_registered_in(monkeypatch):
    monkeypatch.setattr(hooks, "_saved", {})
    calls = []
    for app in ("public_calendar", "alerts", "coordination"):
        hooks.on_release_saved(app, lambda event, app=app: calls.append((app, event.change)))
    change = hooks.Change(PublicChange.CONFIRMED)
    hooks.release_saved(hooks.ReleaseSaved(release=Release(), at=None, change=change))  # type: ignore[arg-type]
    assert calls == [("coordination", change), ("alerts", change), ("public_calendar", change)]


def test_an_app_not_in_the_order_is_refused():
    with pytest.raises(ValueError, match="RECEIVER_ORDER"):
        hooks.on_release_saved("progress", lambda event: None)


def test_a_receiver_runs_inside_the_write_so_its_failure_saves_nothing(cast, monkeypatch):
    release = ProvisionalReleaseFactory(lead_producer=cast.producer, title="A&E attendances")
    seen = []

    def failing(event):
        seen.append((event.release.state, event.change.kind, Release.objects.get(pk=release.pk).state))
        raise RuntimeError("the engines failed")

    monkeypatch.setitem(hooks._saved, "coordination", failing)
    with pytest.raises(RuntimeError):
        services.release_cancel(actor=cast.editor, release=release, reason="Merged into another release")
    # The receiver saw the write already in the database (same transaction), and its failure rolled it back.
    assert seen == [(State.CANCELLED, PublicChange.CANCELLED, State.CANCELLED)]
    release.refresh_from_db()
    assert release.state == State.PROVISIONAL
    assert release.history.count() == 1


def test_warnings_come_from_the_registered_providers_in_order(monkeypatch):
    monkeypatch.setattr(hooks, "_warnings", {})
    hooks.on_release_warnings("public_calendar", lambda releases, preview: {r.pk: ["second"] for r in releases})
    hooks.on_release_warnings("coordination", lambda releases, preview: {r.pk: [f"first {preview}"] for r in releases})
    release = Release(pk=7)
    assert hooks.release_warnings([release], preview_drafts=False) == {7: ["first False", "second"]}
    assert hooks.release_warnings([]) == {}
