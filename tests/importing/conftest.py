"""The register the imports land in: the real producers (as the demo data has them) and people in each role."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from releases.choices import ProducerRole
from releases.models import Producer
from sampledata.demo import PRODUCERS
from tests.factories import LONDON, ProducerFactory, UserFactory, give_role, make_osr, make_secretariat

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class People:
    producers: dict[str, Producer]
    nhse_editor: Any
    nhse_hop: Any
    ons_editor: Any
    secretariat: Any
    osr: Any


@pytest.fixture
def people(db) -> People:
    producers = {
        abbreviation: ProducerFactory(name=name, abbreviation=abbreviation, slug=slug, website=site)
        for name, abbreviation, slug, site in PRODUCERS
    }
    nhse_editor = UserFactory(username="nhse.editor", first_name="Priya", last_name="Shah")
    nhse_hop = UserFactory(username="nhse.hop")
    ons_editor = UserFactory(username="ons.editor")
    give_role(nhse_editor, producers["NHSE"], ProducerRole.EDITOR)
    give_role(nhse_hop, producers["NHSE"], ProducerRole.HOP)
    give_role(ons_editor, producers["ONS"], ProducerRole.EDITOR)
    return People(producers, nhse_editor, nhse_hop, ons_editor, make_secretariat(), make_osr())
