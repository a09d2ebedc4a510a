"""Where a person's work is: the page they land on after signing in (and on /), and the header links of their role.

Both read the one ``Roles`` object, so the header never offers a page the person's role cannot open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from .roles import Roles, roles_of

# The producer release list filtered to the date changes a Head of Profession is asked to agree.
AGREEMENT_QUEUE = "needs=pending_change"


@dataclass(frozen=True)
class NavItem:
    href: str
    text: str
    prefixes: tuple[str, ...]


def _lead_network_url(user: Any) -> str | None:
    slug = user.led_networks.order_by("name").values_list("slug", flat=True).first()
    return reverse("networks:detail", kwargs={"slug": slug}) if slug else None


def can_read_progress(roles: Roles) -> bool:
    """Who may open /osr/ (progress/views.py asks the same)."""
    return bool(roles.osr or roles.secretariat or roles.hop_of or roles.lead_of)


def can_read_flags(roles: Roles) -> bool:
    """Who may open /flags/ (coordination/views.py asks the same)."""
    return bool(roles.producer_ids or roles.lead_of or roles.secretariat or roles.osr or roles.member_of)


def landing_url(user: Any) -> str:
    """The page where this person's work is: OSR and the secretariat on /osr/, the lab's analysts and output checkers
    on the lab's queue, a network lead on their network, a Head of Profession on the changes awaiting their agreement,
    an editor on their releases, an organisation's people on its Data Lab requests; anyone else the home page.
    """
    roles = roles_of(user)
    if roles.osr or roles.secretariat:
        return reverse("progress:dashboard")
    if roles.lab_analyst or roles.output_checker:
        return reverse("datalab:requests")
    if roles.lead_of:
        network = _lead_network_url(user)
        if network:
            return network
    if roles.hop_of:
        return f"{reverse('producer:release-list')}?{AGREEMENT_QUEUE}"
    if roles.editor_of:
        return reverse("producer:release-list")
    if roles.charity_of:
        return reverse("datalab:requests")
    return reverse("home")


def navigation(request: Any) -> list[dict[str, Any]]:
    """The header links for the signed-in person's roles (the public's three for everyone), the current one active."""
    user = getattr(request, "user", None)
    roles = roles_of(user)
    items = [
        NavItem(reverse("calendar"), "Release calendar", ("/calendar",)),
        NavItem(reverse("networks:list"), "Topic networks", ("/networks", "/lessons")),
    ]
    if landing_url(user) == reverse("home"):  # for the others, / is where their work is: linked below
        items.insert(0, NavItem(reverse("home"), "Home", ()))
    if roles.lead_of:
        network = _lead_network_url(user)
        if network:
            items.append(NavItem(network, "Your network", ()))
    if roles.producer_ids:
        items.append(NavItem(reverse("producer:release-list"), "Your releases", ("/producer/",)))
    if can_read_flags(roles):
        items.append(NavItem(reverse("flag-list"), "Flags", ("/flags/",)))
    if can_read_progress(roles):
        items.append(NavItem(reverse("progress:dashboard"), "Progress", ("/osr/",)))
    if roles.reads_lab_requests:
        items.append(NavItem(reverse("datalab:requests"), "Data Lab", ("/data-lab/",)))
    path = getattr(request, "path", "")
    # The most specific match is active: "Your network" over "Topic networks" on the lead's own network page.
    exact = [item for item in items if item.href.split("?")[0] == path][:1]
    active = (
        exact[0] if exact else next((item for item in items if item.prefixes and path.startswith(item.prefixes)), None)
    )
    return [{"href": item.href, "text": item.text, "active": item is active} for item in items]
