"""The Health Data Lab over HTTP: thin views that parse, call the same services as the pages, and show the result.

Reads start from ``DataLabRequest.objects.visible_to(user)``: another organisation's request (or, for the lab's
staff, another organisation's draft) is not there, and its address answers the very same 404 as a reference that
never existed. Every write is one service call; the services' PermissionDenied and ValidationError become 403 and 400
in the API's error shape (ehssg/api/exceptions.py). Editing a draft needs the version read (If-Match or ``version``,
checked under the row lock: ehssg/api/concurrency.py); a step checks the version when one is sent. Nothing is deleted
through the API: an announced request is withdrawn or closed, and the audit trail is read only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from ehssg.api.concurrency import locked_write, with_etag
from ehssg.api.permissions import SignedIn
from ehssg.api.views import SLUG_PATTERN, ApiViewSet

from .. import messages, services
from ..choices import RequestState
from ..cohort_file import CohortFileInvalid
from ..filtersets import DataLabRequestFilterSet
from ..models import CohortUpload, DataLabRequest, Organisation
from ..states import REASON_REQUIRED, TRANSITIONS, Actor, Step
from ..uploads import MemoryOnlyUploadHandler
from . import serializers as s

ERROR_REF = {"$ref": "#/components/schemas/Error"}
IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description='The ETag of the request as you read it, for example "3". Or send a version field in the body.',
)  # fmt: skip
ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 201],
    description="The version of the request, quoted: send it back in If-Match to change the draft.",
)  # fmt: skip
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description='Optional: the ETag of the request as you read it, for example "3" (or a version field in the '
    "body). When sent, a request changed since is refused with 412; the services refuse a step the request's state "
    "does not allow either way.",
)  # fmt: skip


class UploadTooLarge(APIException):
    """413: the cohort file is over DATALAB_MAX_UPLOAD_BYTES; nothing of it was kept."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB"


def _max_upload_bytes() -> int:
    return int(settings.DATALAB_MAX_UPLOAD_BYTES)


def request_queryset(user: Any) -> QuerySet[DataLabRequest]:
    """The requests this person may see, with everything a representation shows, in a fixed number of queries."""
    uploads = Prefetch("uploads", queryset=CohortUpload.objects.order_by("number"))
    return (
        DataLabRequest.objects.visible_to(user)
        .select_related("organisation", "agreement")
        .prefetch_related(uploads)
        .order_by("-created_at", "-pk")
    )


@contextmanager
def _version_if_sent(request: Request, instance: DataLabRequest) -> Iterator[DataLabRequest]:
    """A step's optional version: checked under the row lock when the client sent one (If-Match or ``version``)."""
    data = request.data
    sent = request.headers.get("If-Match") is not None or (isinstance(data, dict) and data.get("version") is not None)
    with locked_write(request, instance) if sent else nullcontext(instance) as target:
        yield target


def _who(step: Step) -> str:
    """Who takes the step, from the transition table: "The organisation or the EHSSG secretariat"."""
    labels = [str(actor.label) for actor in sorted(TRANSITIONS[step].actors - {Actor.SYSTEM}, key=list(Actor).index)]
    return " or ".join([labels[0], *(label[0].lower() + label[1:] for label in labels[1:])])


def _step_description(step: Step) -> str:
    transition = TRANSITIONS[step]
    states = sorted(str(RequestState(state).label).lower() for state in transition.sources)
    sources = " or ".join([", ".join(states[:-1]), states[-1]]) if len(states) > 1 else states[0]
    target = str(RequestState(transition.target).label).lower()
    reason = " A reason is required: the organisation and the audit trail read it." if step in REASON_REQUIRED else ""
    return (
        f"{_who(step)}. From {sources} to {target}.{reason} The answer is the request as it now is, with its new "
        "ETag. 403: you may not take this step on this request; 400: the request's state or the input does not "
        "allow it (errors says why); 404: no such request, or one you cannot see."
    )


# The service each step calls: keyword arguments actor, request and what the step's body took in.
STEP_SERVICES: dict[Step, Callable[..., Any]] = {
    Step.SUBMIT: services.request_submit,
    Step.CHECK_ELIGIBILITY: services.request_check_eligibility,
    Step.REFUSE_ELIGIBILITY: services.request_refuse_eligibility,
    Step.SIGN_AGREEMENT: services.agreement_sign,
    Step.OPEN_UPLOAD: services.request_open_upload,
    Step.REPLACE_COHORT: services.request_replace_cohort,
    Step.MARK_FEASIBLE: services.request_mark_feasible,
    Step.MARK_NOT_FEASIBLE: services.request_mark_not_feasible,
    Step.LOCK_PROTOCOL: services.request_lock_protocol,
    Step.WITHDRAW: services.request_withdraw,
    Step.CLOSE: services.request_close,
}

STEP_EXAMPLES: dict[Step, dict[str, Any]] = {
    Step.SIGN_AGREEMENT: {"signatory_name": "Sam Okafor", "signatory_role": "Chief executive", "accepted": True},
    Step.OPEN_UPLOAD: {"analyst": "a.analyst", "output_checker": "c.checker"},
    Step.WITHDRAW: {"reason": "The programme lost its funding before the cohort was ready."},
    Step.MARK_NOT_FEASIBLE: {"reason": "Only 41 people could be linked; at least 60 are needed."},
}


def step_action(step: Step) -> Any:
    """The POST endpoint of one step, documented from the transition table (who, from which states, to which)."""

    def take(self: DataLabRequestViewSet, request: Request, reference: str | None = None) -> Response:
        return self.take_step(request, step)

    take.__name__ = step.value
    take.__doc__ = str(step.label)
    example = STEP_EXAMPLES.get(step)
    examples = [OpenApiExample(str(step.label), request_only=True, value=example)] if example else []
    documented = extend_schema(
        summary=f"{step.label} (step {s.step_path(step)})",
        description=_step_description(step),
        request=s.STEP_INPUTS[step],
        parameters=[IF_MATCH_OPTIONAL, ETAG],
        responses={200: s.RequestSerializer},
        examples=examples,
    )
    return documented(action(detail=True, methods=["post"], url_path=s.step_path(step))(take))


APPLICATION_EXAMPLE = {
    "programme_name": "Home from hospital befriending",
    "programme_description": "Volunteers visit older people at home in the weeks after they leave hospital.",
    "who_it_helps": "People aged 65 and over living alone after a hospital stay.",
    "age_group": "65-79",
    "delivery_start": "2022-06-01",
    "delivery_end": "2023-06-30",
    "expected_people": 400,
    "primary_outcome": "emergency_admissions",
    "primary_measure": "rate",
    "lawful_basis": "legitimate_interests",
    "special_category_condition": "research",
    "privacy_notice_confirmed": True,
}


@extend_schema_view(
    list=extend_schema(
        summary="Requests you may see: your organisation's (drafts too), or for the lab's staff every submitted one",
        responses={200: s.RequestSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One request: the application, where it is, what the lab found, and the steps you may take",
        parameters=[ETAG],
        responses={200: s.RequestSerializer},
    ),
    create=extend_schema(
        summary="Start a draft request for one of your organisations",
        description="Nothing is checked against the national data until the draft is submitted; the draft's own "
        "address shows the eligibility checks and the power as it stands.",
        request=s.RequestCreateInput,
        responses={201: s.RequestSerializer},
        parameters=[ETAG],
        examples=[OpenApiExample("A befriending programme", request_only=True,
                                 value={"organisation": "hartley", **APPLICATION_EXAMPLE})],
    ),  # fmt: skip
    partial_update=extend_schema(
        summary="Change a draft's answers (with the version you read)",
        request=s.ApplicationInput,
        parameters=[IF_MATCH, ETAG],
        responses={200: s.RequestSerializer},
        examples=[OpenApiExample("More people", request_only=True, value={"expected_people": 450, "version": 1})],
    ),
)
@extend_schema(tags=["data lab"])
class DataLabRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """An organisation's requests to the Health Data Lab, and every step of their life through the services."""

    serializer_class = s.RequestSerializer
    filterset_class = DataLabRequestFilterSet
    permission_classes = [SignedIn]
    lookup_field = "reference"
    lookup_value_regex = SLUG_PATTERN
    # No PUT and no DELETE: an announced request is withdrawn or closed, never removed (405).
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[DataLabRequest]:
        return request_queryset(self.request.user)

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        """Before anything reads the body: a cohort upload is held in memory only, up to the lab's limit."""
        drf_request = super().initialize_request(request, *args, **kwargs)
        if self.action == "cohort":
            self.upload_handler = MemoryOnlyUploadHandler(request, max_bytes=_max_upload_bytes())
            request.upload_handlers = [self.upload_handler]
        return drf_request

    def _input(self, request: Request, serializer_class: type[BaseSerializer], **kwargs: Any) -> dict[str, Any]:
        serializer = serializer_class(data=request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        return data

    def _show(self, reference: str, *, status_code: int = status.HTTP_200_OK) -> Response:
        found = self._with_draft_checks(self.get_queryset().get(reference=reference))
        data = s.RequestSerializer(found, context=self.get_serializer_context()).data
        response = with_etag(Response(data, status=status_code), found.version)
        if status_code == status.HTTP_201_CREATED:
            response["Location"] = data["url"]
        return response

    @staticmethod
    def _with_draft_checks(found: DataLabRequest) -> DataLabRequest:
        """A draft's own address shows the checks and the power as the draft stands (the list shows what is kept)."""
        if found.state == RequestState.DRAFT:
            found.draft_checks = services.application_checks(found)  # type: ignore[attr-defined]
            found.draft_power = services.power_check(found)  # type: ignore[attr-defined]
        return found

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._show(self.get_object().reference)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(request, s.RequestCreateInput)
        created = services.request_create(actor=request.user, **data)
        return self._show(created.reference, status_code=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        found = self.get_object()
        data = self._input(request, s.ApplicationInput, partial=True)
        with locked_write(request, found) as locked:
            services.request_update(actor=request.user, request=locked, **data)
        return self._show(found.reference)

    def take_step(self, request: Request, step: Step) -> Response:
        found = self.get_object()
        data = self._input(request, s.STEP_INPUTS[step])
        with _version_if_sent(request, found) as target:
            STEP_SERVICES[step](actor=request.user, request=target, **data)
        return self._show(found.reference)

    submit = step_action(Step.SUBMIT)
    check_eligibility = step_action(Step.CHECK_ELIGIBILITY)
    refuse_eligibility = step_action(Step.REFUSE_ELIGIBILITY)
    sign_agreement = step_action(Step.SIGN_AGREEMENT)
    open_upload = step_action(Step.OPEN_UPLOAD)
    replace_cohort = step_action(Step.REPLACE_COHORT)
    mark_feasible = step_action(Step.MARK_FEASIBLE)
    mark_not_feasible = step_action(Step.MARK_NOT_FEASIBLE)
    lock_protocol = step_action(Step.LOCK_PROTOCOL)
    withdraw = step_action(Step.WITHDRAW)
    close = step_action(Step.CLOSE)

    @extend_schema(
        summary="Upload the cohort: the people the programme helped (CSV or XLSX, multipart field file)",
        description=(
            "Only the organisation's people, once the agreement is signed and the lab has opened the upload. The file "
            "is read in memory (never written to disk), every row checked, and only keyed pseudonyms kept; linking "
            "to the national data runs in the lab's worker afterwards (the request moves to linked). A file with any "
            "problem keeps nothing: 400 lists each problem by row and column (never a cell's value) and the total. "
            "Over DATALAB_MAX_UPLOAD_BYTES: 413."
        ),
        request={"multipart/form-data": s.CohortInput},
        parameters=[IF_MATCH_OPTIONAL],
        responses={
            415: OpenApiResponse(ERROR_REF, description="Send the file as multipart/form-data, in the field file."),
            201: s.UploadResultSerializer,
            400: OpenApiResponse(s.CohortProblemsSerializer, description="The file cannot be used (every problem "
                                 "listed), or the request does not take an upload now. Nothing was kept."),
            413: OpenApiResponse(ERROR_REF, description="The file is larger than the lab takes. Nothing was kept."),
        },
    )  # fmt: skip
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def cohort(self, request: Request, reference: str | None = None) -> Response:
        found = self.get_object()
        data = self._receive(request)
        upload_file = data["file"]
        try:
            with _version_if_sent(request, found) as target:
                upload = services.cohort_upload(
                    actor=request.user, request=target, filename=upload_file.name or "", data=upload_file.read()
                )
        except CohortFileInvalid as invalid:
            return Response(self._problems(invalid), status=status.HTTP_400_BAD_REQUEST)
        upload = CohortUpload.objects.select_related("request").get(pk=upload.pk)
        body = s.UploadResultSerializer(upload, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _receive(self, request: Request) -> dict[str, Any]:
        """The form, read through the memory-only handler: too large (413), not one file (400), or the file."""
        files = request.FILES  # reads the body
        if self.upload_handler.too_large:
            message = messages.API_FILE_TOO_LARGE.format(size=_megabytes(_max_upload_bytes()))
            raise UploadTooLarge({"file": [ErrorDetail(message, code="too_large")]})
        if len(files.getlist("file")) > 1:
            raise ValidationError({"file": [ErrorDetail(messages.API_ONE_FILE, code="one_file")]})
        return self._input(request, s.CohortInput)

    @staticmethod
    def _problems(invalid: CohortFileInvalid) -> dict[str, Any]:
        errors = [
            {"row": e.row, "field": e.field or None, "message": e.message,
             "code": "invalid_row" if e.row is not None else "invalid_file"}
            for e in invalid.errors
        ]  # fmt: skip
        return s.CohortProblemsSerializer({"detail": str(invalid), "errors": errors, "total": invalid.total}).data

    @extend_schema(
        summary="The request's audit trail (who did what, when and why) and its deletion certificates; read only",
        responses={200: s.AuditTrailSerializer},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def audit(self, request: Request, reference: str | None = None) -> Response:
        found = self.get_object()
        body = {
            "reference": found.reference,
            "entries": found.audit_entries.order_by("at", "pk"),
            "deletion_certificates": found.deletion_certificates.order_by("deleted_at", "pk"),
        }
        return Response(s.AuditTrailSerializer(body).data)


@extend_schema_view(list=extend_schema(summary="Your organisations (for the lab's staff: every organisation)"))
@extend_schema(tags=["data lab"])
class OrganisationViewSet(mixins.ListModelMixin, ApiViewSet):
    """The organisations whose requests you make, by slug: a new request names one of them."""

    serializer_class = s.OrganisationSerializer
    permission_classes = [SignedIn]

    def get_queryset(self) -> QuerySet[Organisation]:
        return Organisation.objects.visible_to(self.request.user).order_by("name", "pk")
