"""Who a signed-in person is to the platform, worked out once per request.

Roles: producer editor and Head of Profession (per producer, ``ProducerMembership``), topic network lead (per network),
EHSSG secretariat and OSR viewer (Django groups), the Health Data Lab's people (a charity's members per organisation;
lab analysts and output checkers as Django groups), and the anonymous public. Every permission check and every
``visible_to(user)`` queryset reads this one object, so the rules live in one place.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models

SECRETARIAT_GROUP = "EHSSG secretariat"
OSR_GROUP = "OSR viewer"
LAB_ANALYST_GROUP = "Data Lab analyst"
OUTPUT_CHECKER_GROUP = "Data Lab output checker"


class ProducerRole(models.TextChoices):
    EDITOR = "editor", "Producer editor"
    HOP = "hop", "Head of Profession for Statistics"


@dataclass(frozen=True)
class Roles:
    """The roles of one person. Anonymous people have none."""

    authenticated: bool
    secretariat: bool
    osr: bool
    editor_of: frozenset[int]
    hop_of: frozenset[int]
    lead_of: frozenset[int]
    member_of: frozenset[int]
    # The Health Data Lab: organisations whose requests this person makes and sees; the lab's own people.
    charity_of: frozenset[int] = frozenset()
    lab_analyst: bool = False
    output_checker: bool = False

    @property
    def producer_ids(self) -> frozenset[int]:
        """Producers whose releases this person works on (as editor or Head of Profession)."""
        return self.editor_of | self.hop_of

    def can_edit_producer(self, producer_id: int) -> bool:
        return producer_id in self.producer_ids

    def is_hop_of(self, producer_id: int) -> bool:
        return producer_id in self.hop_of

    @property
    def reads_everything_announced(self) -> bool:
        return self.secretariat or self.osr

    @property
    def lab_staff(self) -> bool:
        """The lab's analysts, its output checkers and the secretariat: they see every submitted request."""
        return self.lab_analyst or self.output_checker or self.secretariat

    @property
    def reads_lab_requests(self) -> bool:
        """An organisation's people and the lab's staff: who opens the lab's request pages (/data-lab/requests/)."""
        return bool(self.charity_of) or self.lab_staff


ANONYMOUS = Roles(False, False, False, frozenset(), frozenset(), frozenset(), frozenset())


def roles_of(user: Any) -> Roles:
    """The roles of ``user``, cached on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_ehssg_roles", None)
    if cached is not None:
        return cached
    editor: set[int] = set()
    hop: set[int] = set()
    # Through the user's reverse accessors (the register's ProducerMembership, the networks' leads and members): this
    # module sits below the apps and imports none of them.
    for producer_id, role in user.producer_memberships.values_list("producer_id", "role"):
        (hop if role == ProducerRole.HOP else editor).add(producer_id)
    group_names = set(user.groups.values_list("name", flat=True))
    roles = Roles(
        authenticated=True,
        secretariat=SECRETARIAT_GROUP in group_names,
        osr=OSR_GROUP in group_names,
        editor_of=frozenset(editor),
        hop_of=frozenset(hop),
        lead_of=frozenset(user.led_networks.values_list("pk", flat=True)),
        member_of=frozenset(user.member_networks.values_list("pk", flat=True)),
        charity_of=frozenset(user.datalab_organisations.values_list("pk", flat=True)),
        lab_analyst=LAB_ANALYST_GROUP in group_names,
        output_checker=OUTPUT_CHECKER_GROUP in group_names,
    )
    user._ehssg_roles = roles
    return roles


def forget_roles(user: Any) -> None:
    """Drop the cached roles after a membership change (tests and admin actions)."""
    if hasattr(user, "_ehssg_roles"):
        del user._ehssg_roles
