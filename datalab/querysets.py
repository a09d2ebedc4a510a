"""Who may see which of the lab's records: one queryset method each, used by every page, the API and the services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db import models

from ehssg.roles import roles_of

from . import messages
from .choices import RequestState

if TYPE_CHECKING:
    from .models import DataLabRequest, Organisation  # noqa: F401 - the querysets' row types


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def of_member(self, user: Any) -> OrganisationQuerySet:
        """The organisations whose requests this person makes."""
        return self.filter(pk__in=roles_of(user).charity_of)

    def visible_to(self, user: Any) -> OrganisationQuerySet:
        """The organisations a person may know of: their own; every one for the lab's staff (whose queue holds
        every organisation's requests). Another organisation is, to everyone else, one that does not exist."""
        if roles_of(user).lab_staff:
            return self.all()
        return self.of_member(user)


class DataLabRequestQuerySet(models.QuerySet["DataLabRequest"]):
    def visible_to(self, user: Any) -> DataLabRequestQuerySet:
        """An organisation's people see its requests (drafts too) and no one else's; the lab's analysts, output
        checkers and the secretariat see every request once submitted; everyone else sees none (the public reads
        published reports only). Another organisation's request is simply not there, like one that never existed."""
        roles = roles_of(user)
        own = models.Q(organisation_id__in=roles.charity_of)
        if roles.lab_staff:
            return self.filter(own | ~models.Q(state=RequestState.DRAFT))
        if roles.charity_of:
            return self.filter(own)
        return self.none()

    def in_states(self, *states: str) -> DataLabRequestQuerySet:
        return self.filter(state__in=states)


class AnalysisRunQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> AnalysisRunQuerySet:
        """The runs of the requests a person sees; the lab's analysts and output checkers see every one, everyone
        else (the organisation, the secretariat) only a run an output checker approved: nothing of an output leaves
        the lab before its check."""
        from .models import DataLabRequest

        roles = roles_of(user)
        runs = self.filter(request__in=DataLabRequest.objects.visible_to(user))
        if roles.lab_analyst or roles.output_checker:
            return runs
        return runs.filter(checks__decision="approved").distinct()


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Refuses bulk changes: an audit trail is written once, row by row, and never rewritten."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionDenied(messages.APPEND_ONLY)

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise PermissionDenied(messages.APPEND_ONLY)

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionDenied(messages.APPEND_ONLY)
