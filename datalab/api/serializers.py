"""What the API shows of the Health Data Lab's requests, and the shapes its writes take in.

Shapes only: types, lengths, choices, and which organisation or person a slug or a username names. Every rule (who
may take a step, in which state, whether a reason or a signatory is missing) is the services' (datalab/services.py),
whose refusals the views turn into 400 and 403 in their own words. Nothing person-level is ever shown: a cohort is
counts (rows, linked, reasons), and the only people named are the organisation's and the lab's own (the audit
trail's actors), never the people a programme helped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import UTC, date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.reverse import reverse

from ehssg.api.fields import NumberField, StrictBooleanField, StrictIntegerField, TextField
from ehssg.api.schema import version_field
from ehssg.filtersets import NOT_A_SLUG, SLUG_RE, UNKNOWN_SLUG
from ehssg.roles import LAB_ANALYST_GROUP, OUTPUT_CHECKER_GROUP

from .. import messages, services
from ..choices import RequestState
from ..models import AgreementAcceptance, AuditEntry, CohortUpload, DataLabRequest, DeletionCertificate, Organisation
from ..states import REASON_REQUIRED, Step, Transition

MAX_TEXT = 10_000
MAX_REASON = 2_000
MAX_USERNAME = 150
MAX_PEOPLE = 10_000_000  # more than any programme helps; the same bound on every database
MAX_FILENAME = 255
# Dates a programme can have started on; beyond them date arithmetic (a year of follow-up) has no meaning.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)
DATE_BOUNDS = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]


def step_path(step: Step) -> str:
    """The step in an address: its value with hyphens (check_eligibility → check-eligibility)."""
    return step.value.replace("_", "-")


# --- fields ----------------------------------------------------------------------------------------------------------


class UtcDateTimeField(serializers.DateTimeField):
    """A moment as ISO 8601 in UTC (``2027-03-01T12:00:00Z``), whatever the server's time zone."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)


class StrictInput(serializers.Serializer):
    """A field this body does not take is refused (400, code unknown_field), never ignored."""

    # Why: a misspelt ``reasno`` or a read-only ``state`` silently dropped would read to the client as done.

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            takes = [name for name, field in self.fields.items() if not field.read_only]
            unknown = [str(name)[:60] for name in data if name not in takes]
            if unknown:
                known = ", ".join(takes)
                raise serializers.ValidationError({
                    name: [ErrorDetail(messages.API_UNKNOWN_FIELD.format(name=name, known=known),
                                       code="unknown_field")]
                    for name in unknown
                })  # fmt: skip
        return super().to_internal_value(data)


class OrganisationRef(serializers.SlugRelatedField):
    """An organisation named by its slug, among those the person may know of (another is "no such organisation")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=Organisation.objects.all(), **kwargs)
        self.error_messages["does_not_exist"] = UNKNOWN_SLUG.replace("{kind}", "organisation")

    def get_queryset(self) -> Any:
        request = self.context.get("request")
        return Organisation.objects.visible_to(getattr(request, "user", None))

    def to_internal_value(self, data: Any) -> Organisation:
        if not isinstance(data, str) or not SLUG_RE.fullmatch(data):
            raise serializers.ValidationError(NOT_A_SLUG.format(value=str(data)[:60]), code="invalid_slug")
        return super().to_internal_value(data)  # type: ignore[no-any-return]


class LabPersonRef(TextField):
    """One of the lab's people named by username: an analyst, or an output checker. Only the lab's people are looked
    up, so the field tells no one which other usernames exist."""

    def __init__(self, *, group: str, unknown: str, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_USERNAME, **kwargs)
        self.group = group
        self.unknown = unknown

    def run_validation(self, data: Any = serializers.empty) -> Any:
        username = super().run_validation(data)  # text, of a username's length
        person = get_user_model().objects.filter(username=username, groups__name=self.group).first()
        if person is None:
            raise serializers.ValidationError(self.unknown.format(person=username), code="unknown_person")
        return person


# --- what the writes take in -----------------------------------------------------------------------------------------


class ApplicationInput(StrictInput, serializers.ModelSerializer):
    """The application's answers. A field this body does not take is refused (400, unknown_field); the lab's checks
    run on the whole application when it is submitted."""

    # JSON's own types only: DRF's fields also take "400" for a number and 0 for false, which the document refuses.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: TextField,
        models.TextField: TextField,
        models.BooleanField: StrictBooleanField,
        models.PositiveIntegerField: StrictIntegerField,
        models.DecimalField: NumberField,
    }
    version = version_field(json_only=True)

    class Meta:
        model = DataLabRequest
        fields = [*services.APPLICATION_FIELDS, "version"]
        extra_kwargs = {
            "programme_description": {"max_length": MAX_TEXT},
            "who_it_helps": {"max_length": MAX_TEXT},
            "delivery_start": {"validators": DATE_BOUNDS},
            "delivery_end": {"validators": DATE_BOUNDS},
            "expected_people": {"min_value": 0, "max_value": MAX_PEOPLE},
        }


class RequestCreateInput(ApplicationInput):
    organisation = OrganisationRef(help_text="The slug of your organisation (GET /api/v1/datalab/organisations/).")

    class Meta(ApplicationInput.Meta):
        fields = ["organisation", *services.APPLICATION_FIELDS]


class VersionInput(StrictInput):
    version = version_field(json_only=True)


def _reason(step: Step) -> TextField:
    required = "Required: the organisation and the audit trail read it." if step in REASON_REQUIRED else "Optional."
    return TextField(max_length=MAX_REASON, required=False, allow_blank=True, default="",
                     help_text=f"Why. {required}")  # fmt: skip


class ReasonInput(VersionInput):
    reason = TextField(max_length=MAX_REASON, required=False, allow_blank=True, default="")

    @classmethod
    def for_step(cls, step: Step) -> type[ReasonInput]:
        """The body of a step that takes only a reason, its help saying whether the service requires one."""
        return type(f"{step.name.title().replace('_', '')}Input", (cls,), {"reason": _reason(step)})


class SignAgreementInput(VersionInput):
    signatory_name = TextField(max_length=200, required=False, allow_blank=True, default="",
                               help_text="The name of the person signing for the organisation (required).")  # fmt: skip
    signatory_role = TextField(max_length=200, required=False, allow_blank=True, default="",
                               help_text="Their job title (required).")  # fmt: skip
    accepted = StrictBooleanField(
        required=False, default=False,
        help_text="true: the organisation has read and accepts the data sharing agreement (required).",
    )  # fmt: skip


class OpenUploadInput(VersionInput):
    analyst = LabPersonRef(group=LAB_ANALYST_GROUP, unknown=messages.NOT_AN_ANALYST,
                           help_text="The username of the request's analyst.")  # fmt: skip
    output_checker = LabPersonRef(
        group=OUTPUT_CHECKER_GROUP, unknown=messages.NOT_A_CHECKER,
        help_text="The username of its output checker: one of the lab's output checkers, not the analyst.",
    )  # fmt: skip
    reason = _reason(Step.OPEN_UPLOAD)


class CohortInput(StrictInput):
    file = serializers.FileField(
        max_length=MAX_FILENAME, allow_empty_file=True,
        error_messages={"required": messages.API_FILE_REQUIRED, "invalid": messages.API_FILE_REQUIRED},
        help_text="The cohort: a .csv (UTF-8) or .xlsx file with the template's columns.",
    )  # fmt: skip
    version = version_field()


# The steps a person takes through the API, each with what its body takes. The services take the rest.
STEP_INPUTS: dict[Step, type[serializers.Serializer]] = {
    Step.SUBMIT: VersionInput,
    Step.CHECK_ELIGIBILITY: ReasonInput.for_step(Step.CHECK_ELIGIBILITY),
    Step.REFUSE_ELIGIBILITY: ReasonInput.for_step(Step.REFUSE_ELIGIBILITY),
    Step.SIGN_AGREEMENT: SignAgreementInput,
    Step.OPEN_UPLOAD: OpenUploadInput,
    Step.REPLACE_COHORT: ReasonInput.for_step(Step.REPLACE_COHORT),
    Step.MARK_FEASIBLE: ReasonInput.for_step(Step.MARK_FEASIBLE),
    Step.MARK_NOT_FEASIBLE: ReasonInput.for_step(Step.MARK_NOT_FEASIBLE),
    Step.LOCK_PROTOCOL: ReasonInput.for_step(Step.LOCK_PROTOCOL),
    Step.WITHDRAW: ReasonInput.for_step(Step.WITHDRAW),
    Step.CLOSE: ReasonInput.for_step(Step.CLOSE),
}


# --- what the API shows ----------------------------------------------------------------------------------------------


class UtcModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping,
                                models.DateTimeField: UtcDateTimeField}  # fmt: skip


class OrganisationSerializer(UtcModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "name", "charity_number"]
        read_only_fields = fields


class OrganisationBriefSerializer(UtcModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "name"]
        read_only_fields = fields


class CheckSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable code, such as min_people or follow_up_complete.")
    passed = serializers.BooleanField()
    message = serializers.CharField(help_text="What the check found, in words the organisation can act on.")


def _count(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(required=False, **kwargs)


def _counts(help_text: str) -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField(), required=False, help_text=help_text)


class LinkageSerializer(serializers.Serializer):
    """Counts only, never a row: how many people were sent, found, and why the others were not."""

    submitted = _count(help_text="People in the cohort file.")
    linked = _count(help_text="People found in the national data.")
    link_rate = serializers.FloatField(required=False, help_text="linked / submitted (0 to 1).")
    by_method = _counts("People linked by each method: nhs_number, fallback (date of birth, sex and postcode).")
    not_linked = _counts("People not linked, by reason: no_match, ambiguous_fallback, invalid_nhs_number, ...")
    ineligible = _counts("Linked people the extract cannot follow up, by reason.")
    analysable = _count(help_text="Linked people whose index date the national data can follow up.")
    sessions_recorded = _count(help_text="Analysable people with a number of sessions.")
    extract = serializers.CharField(required=False, help_text="The national extract linked to (its vintage).")


class AgreementSerializer(UtcModelSerializer):
    version = serializers.CharField(source="agreement_version")
    sha256 = serializers.CharField(source="agreement_sha256", help_text="Digest of the exact text accepted.")

    class Meta:
        model = AgreementAcceptance
        fields = ["version", "sha256", "signatory_name", "signatory_role", "accepted_at", "retention_until"]
        read_only_fields = fields


class UploadSerializer(UtcModelSerializer):
    format = serializers.CharField(source="file_format", help_text="csv or xlsx.")

    class Meta:
        model = CohortUpload
        fields = ["number", "rows", "status", "format", "uploaded_at", "linked_at", "deleted_at"]
        read_only_fields = fields


class UploadResultSerializer(UploadSerializer):
    request = serializers.SerializerMethodField(help_text="The request's address.")

    class Meta(UploadSerializer.Meta):
        fields = [*UploadSerializer.Meta.fields, "request"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_request(self, upload: CohortUpload) -> str:
        return reverse("api:datalab-request-detail", kwargs={"reference": upload.request.reference},
                       request=self.context.get("request"))  # fmt: skip


class NextStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=Step.choices)
    label = serializers.CharField()  # type: ignore[assignment] # a declared field, not Field.label (the metaclass)
    reason_required = serializers.BooleanField()
    url = serializers.URLField(allow_null=True, help_text="Where to POST it; null for a step the API does not take.")


class LinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    audit = serializers.URLField(help_text="The request's audit trail and deletion certificates.")
    cohort = serializers.URLField(help_text="Where the organisation uploads its cohort, once the lab opens the upload.")


FREE_OBJECT = {"type": "object", "additionalProperties": True, "nullable": True}


class RequestSerializer(UtcModelSerializer):
    """A request as its organisation and the lab see it: the application, where it is, and what the lab found."""

    url = serializers.HyperlinkedIdentityField(view_name="api:datalab-request-detail", lookup_field="reference")
    organisation = OrganisationBriefSerializer(read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    eligibility = serializers.SerializerMethodField(
        help_text="The automatic checks: as kept when the request was submitted (or checked by the lab). A draft's "
        "own address shows them as the draft stands now; in the list a draft has none yet."
    )
    power = serializers.SerializerMethodField(
        help_text="The smallest difference the request can detect at its size (null while unknown); kept and shown "
        "as the eligibility checks are."
    )
    linkage = serializers.SerializerMethodField(help_text="Counts only; null until the cohort is linked.")
    agreement = AgreementSerializer(read_only=True, allow_null=True)
    uploads = UploadSerializer(many=True, read_only=True)
    protocol = serializers.SerializerMethodField(help_text="The analysis plan fixed when locked; null before.")
    next_steps = serializers.SerializerMethodField(help_text="The steps you may take now.")
    links = serializers.SerializerMethodField()

    class Meta:
        model = DataLabRequest
        fields = [
            "reference", "url", "organisation", "state", "state_label", "state_entered_at",
            *services.APPLICATION_FIELDS,
            "created_at", "updated_at", "submitted_at", "eligibility", "power", "linkage", "agreement", "uploads",
            "outcome_reasons", "protocol", "protocol_locked_at", "retention_until", "version", "next_steps", "links",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(CheckSerializer(many=True))
    def get_eligibility(self, obj: DataLabRequest) -> list[Any]:
        checks = getattr(obj, "draft_checks", None)
        kept = [asdict(check) for check in checks] if checks is not None else obj.eligibility
        return CheckSerializer(kept, many=True).data  # type: ignore[return-value]

    @extend_schema_field(FREE_OBJECT)
    def get_power(self, obj: DataLabRequest) -> dict[str, Any] | None:
        power = getattr(obj, "draft_power", None) if hasattr(obj, "draft_checks") else obj.power
        return power or None

    @extend_schema_field(LinkageSerializer(allow_null=True))
    def get_linkage(self, obj: DataLabRequest) -> dict[str, Any] | None:
        return LinkageSerializer(obj.linkage).data if obj.linkage else None

    @extend_schema_field(FREE_OBJECT)
    def get_protocol(self, obj: DataLabRequest) -> dict[str, Any] | None:
        return obj.protocol or None

    @extend_schema_field(NextStepSerializer(many=True))
    def get_next_steps(self, obj: DataLabRequest) -> list[Any]:
        request = self.context.get("request")
        steps = services.steps_for(getattr(request, "user", None), obj)
        return NextStepSerializer([self._step(obj, t) for t in steps], many=True).data  # type: ignore[return-value]

    def _step(self, obj: DataLabRequest, transition: Transition) -> dict[str, Any]:
        step = transition.step
        url = None
        if step in STEP_INPUTS:
            url = reverse(f"api:datalab-request-{step_path(step)}", kwargs={"reference": obj.reference},
                          request=self.context.get("request"))  # fmt: skip
        return {"step": step.value, "label": str(step.label), "reason_required": step in REASON_REQUIRED, "url": url}

    @extend_schema_field(LinksSerializer)
    def get_links(self, obj: DataLabRequest) -> dict[str, str]:
        request = self.context.get("request")
        kwargs = {"reference": obj.reference}
        return {
            "self": reverse("api:datalab-request-detail", kwargs=kwargs, request=request),
            "audit": reverse("api:datalab-request-audit", kwargs=kwargs, request=request),
            "cohort": reverse("api:datalab-request-cohort", kwargs=kwargs, request=request),
        }


class CodeOrNullField(serializers.ChoiceField):
    """A code the record may leave empty (an event that is not a step, the state before a draft existed): null."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(value) if value else None


class AuditEntrySerializer(UtcModelSerializer):
    actor = serializers.CharField(source="actor_name", help_text="The person's name at the time, or the task.")
    step = CodeOrNullField(choices=Step.choices, help_text="The step taken; null for an event that is not one.")
    from_state = CodeOrNullField(choices=RequestState.choices, help_text="null where the request did not move.")
    to_state = CodeOrNullField(choices=RequestState.choices, help_text="null where the request did not move.")

    class Meta:
        model = AuditEntry
        fields = ["at", "actor", "actor_role", "step", "event", "from_state", "to_state", "reason", "details"]
        read_only_fields = fields


class DeletionCertificateSerializer(UtcModelSerializer):
    class Meta:
        model = DeletionCertificate
        fields = ["deleted_at", "deleted_by", "task_id", "ground", "files", "verified"]
        read_only_fields = fields


class AuditTrailSerializer(serializers.Serializer):
    reference = serializers.CharField()
    entries = AuditEntrySerializer(many=True, help_text="Everything that happened, oldest first.")
    deletion_certificates = DeletionCertificateSerializer(many=True)


class CohortProblemSerializer(serializers.Serializer):
    """One problem: with the file's row and column when the file itself is the problem; the API's error otherwise."""

    row = serializers.IntegerField(required=False, allow_null=True, help_text="The row of the file (headings are "
                                   "row 1); null for a problem with the file as a whole.")  # fmt: skip
    field = serializers.CharField(allow_null=True, help_text="The column (nhs_number, index_date ...); null for the "
                                  "file as a whole, or for a refusal of the request as a whole.")  # fmt: skip
    message = serializers.CharField(help_text="What is wrong and how to correct it; never the cell's value.")
    code = serializers.CharField(help_text="invalid_row or invalid_file for the file's problems.")


class CohortProblemsSerializer(serializers.Serializer):
    """The upload's 400: the file's problems (with rows and the total), or the services' refusal (the API's error)."""

    detail = serializers.CharField()
    errors = CohortProblemSerializer(  # type: ignore[assignment] # a declared field; output only, never validated
        many=True, help_text="The first problems found (at most DATALAB_MAX_REPORTED_ERRORS)."
    )
    total = serializers.IntegerField(required=False, help_text="For a file with problems: how many it has in all.")
