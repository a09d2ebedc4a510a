"""Pieces shared by the apps' models."""

from collections.abc import Collection
from typing import Any, cast

from django.core.exceptions import FieldError, ValidationError
from django.db import models, router
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP

from .security import request_id_default


class HistoryWithRequestId(models.Model):
    """Base of every historical model: the X-Request-ID of the request that made the change.

    With it a history row leads to the log lines of the same request (django-structlog binds the same id), so "who
    changed this and why" can be followed into "what else happened then". Empty for changes made outside a request
    (shell, migrations, Celery tasks).
    """

    request_id = models.CharField(max_length=128, blank=True, default=request_id_default, db_index=True)

    class Meta:
        abstract = True


class HistoryWithHttpRequestId(models.Model):
    """The same for a model with a foreign key named ``request``: that key's column is ``request_id`` in the history
    table too, so the X-Request-ID goes in ``http_request_id`` (tests/security/test_request_id.py checks every
    historical model has one or the other, and that it is filled)."""

    http_request_id = models.CharField(max_length=128, blank=True, default=request_id_default, db_index=True)

    class Meta:
        abstract = True


class OneQueryCheckConstraints:
    """Model mixin: ``full_clean()`` validates all the model's check constraints in one query instead of one each.

    Django asks the database about each ``CheckConstraint`` separately, annotating every field of the row each time;
    with a dozen constraints that was a quarter of the time of a service's write (and of ``demo_data``). The
    conditions are ANDed into one check: in SQL's three-valued logic the AND is false exactly when one condition is
    false, which is when Django's own check (NULL counts as passing) fails. Only when the combined check fails, or
    cannot be built (a condition on an excluded field), does Django's loop run, so the messages are Django's own.
    """

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        model = cast(models.Model, self)
        constraints = model.get_constraints()
        checks = [c for owner, cs in constraints for c in cs if isinstance(c, models.CheckConstraint)]
        if len(checks) < 2 or any(owner is not type(model) for owner, _cs in constraints):
            super().validate_constraints(exclude)  # type: ignore[misc]
            return
        using = router.db_for_write(type(model), instance=model)
        condition = Q(*[c.condition for c in checks])
        names = _referenced(condition)
        # Only the fields the conditions name: annotating all forty fields of a release was most of the cost.
        every_field = model._get_field_expression_map(meta=model._meta, exclude=exclude)  # type: ignore[attr-defined]
        against = {name: value for name, value in every_field.items() if name in names}
        try:
            passed = condition.check(against, using=using)
        except FieldError:
            passed = False
        if not passed:
            super().validate_constraints(exclude)  # type: ignore[misc]
            return
        errors: dict[str, Any] = {}
        for owner, model_constraints in constraints:
            for constraint in model_constraints:
                if isinstance(constraint, models.CheckConstraint):
                    continue
                try:
                    constraint.validate(owner, model, exclude=exclude, using=using)  # type: ignore[attr-defined]
                except ValidationError as error:
                    fields: tuple[str, ...] = tuple(getattr(constraint, "fields", ()))
                    if getattr(error, "code", None) == "unique" and len(fields) == 1:
                        errors.setdefault(fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _referenced(node: Any) -> set[str]:
    """The field names a condition reads: lookups' left-hand sides and F() anywhere (a missing one is a FieldError,
    which sends validation down Django's own path)."""
    if isinstance(node, Q):
        return set().union(*(_referenced(child) for child in node.children)) if node.children else set()
    if isinstance(node, tuple):
        lookup, value = node
        return {lookup.split(LOOKUP_SEP, 1)[0]} | _referenced(value)
    if isinstance(node, F):
        return {node.name.split(LOOKUP_SEP, 1)[0]}
    if hasattr(node, "get_source_expressions"):
        return set().union(*(_referenced(part) for part in node.get_source_expressions() if part is not None))
    return set()
