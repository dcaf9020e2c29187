"""The application layer's refusals as RFC 9457 problem details, for every edge alike.

A clinical refusal keeps its rule id (``IPT-xx``) as an extension member, because rule ids are
a public contract. The HTTP edge sends these as ``application/problem+json`` with the status
as the HTTP status; the broker edge replies with the same document (``status`` inside).
Submitted values are never echoed back: they may be PHI, huge, or not representable in JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from domain.errors import InvalidCommand, ReasonRequired, RuleViolation
from domain.group.errors import MemberRefused
from services.access.policy import Forbidden
from services.access.tokens import TokenRefused
from services.errors import (
    READ_MODELS,
    ConcurrencyConflict,
    GroupNotFound,
    GroupVersionNotFound,
    IdempotencyKeyReused,
    PathwayNotFound,
    ReadModelBehind,
    StoreUnavailable,
    VersionMismatch,
    VersionNotFound,
)

TYPE_PREFIX = "urn:carepath:problem:"
MAX_LISTED_ERRORS = 50
REASON_HINT = ("This command accepts a `reason`: send it again with one to record each rule"
               " above as a deviation.")


@dataclass(frozen=True)
class ProblemDetails:
    status: int
    slug: str
    title: str
    detail: str
    extensions: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, instance: str) -> dict[str, Any]:
        return {"type": TYPE_PREFIX + self.slug, "title": self.title, "status": self.status,
                "detail": self.detail, "instance": instance, **self.extensions}


def field_errors(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"field": name, "reason": reason} for name, reason in pairs][:MAX_LISTED_ERRORS]


def _reason_required(exc: ReasonRequired) -> ProblemDetails:
    deviations = [{"rule": rule, "sentence": sentence} for rule, sentence in exc.deviations]
    return ProblemDetails(422, "reason-required", "A soft rule needs a reason", exc.sentence,
                          {"rule": exc.rule, "deviations": deviations, "hint": REASON_HINT})


def _rule_violation(exc: RuleViolation) -> ProblemDetails:
    extensions: dict[str, Any] = {"rule": exc.rule}
    if isinstance(exc, MemberRefused):  # a group command, refused by one member's pathway
        extensions["member"] = str(exc.member)
    return ProblemDetails(422, "rule-violation", "The command breaks a clinical rule",
                          exc.sentence, extensions)


def _invalid_command(exc: InvalidCommand) -> ProblemDetails:
    name = exc.field if exc.field == "body" else f"body.{exc.field}"
    return ProblemDetails(422, "invalid-command", "A value is out of its domain",
                          f"{name}: {exc.reason}",
                          {"errors": field_errors([(name, exc.reason)])})


def _not_found(exc: PathwayNotFound) -> ProblemDetails:
    return ProblemDetails(404, "pathway-not-found", "No such pathway",
                          f"There is no pathway {str(exc.pathway_id)[:100]!r}.")


def _version_not_found(exc: VersionNotFound) -> ProblemDetails:
    return ProblemDetails(404, "version-not-found", "No such version",
                          f"The pathway has no version {exc.version}: the latest is"
                          f" {exc.latest}.", {"latest": exc.latest})


def _group_not_found(exc: GroupNotFound) -> ProblemDetails:
    return ProblemDetails(404, "group-not-found", "No such group",
                          f"There is no group {str(exc.group_id)[:100]!r}.")


def _group_version_not_found(exc: GroupVersionNotFound) -> ProblemDetails:
    return ProblemDetails(404, "version-not-found", "No such version",
                          f"The group has no version {exc.version}: the latest is"
                          f" {exc.latest}.", {"latest": exc.latest})


def _version_mismatch(exc: VersionMismatch) -> ProblemDetails:
    return ProblemDetails(412, "version-mismatch", "The pathway has changed", str(exc),
                          {"expected": exc.expected, "actual": exc.actual},
                          {"ETag": f'"{exc.actual}"'})


def _conflict(exc: ConcurrencyConflict) -> ProblemDetails:
    return ProblemDetails(409, "concurrency-conflict", "Concurrent changes", str(exc),
                          {"attempts": exc.attempts})


def _key_reused(_exc: IdempotencyKeyReused) -> ProblemDetails:
    return ProblemDetails(422, "idempotency-key-reused",
                          "The idempotency key belongs to another request",
                          "This Idempotency-Key was already used for a different request; use"
                          " a new key for a new request, and the same key only to retry the"
                          " same one.")


def _behind(exc: ReadModelBehind) -> ProblemDetails:
    return ProblemDetails(503, "read-model-behind", "The read model has not caught up yet",
                          f"The {exc.read_model} read model has applied the log up to position"
                          f" {exc.reached}, not yet {exc.position}; try again in"
                          f" {exc.retry_after} s.", {"reached": exc.reached},
                          {"Retry-After": str(exc.retry_after)})


def _unavailable(exc: StoreUnavailable) -> ProblemDetails:
    if exc.store == READ_MODELS:
        return ProblemDetails(503, "store-unavailable", "The read models are unavailable",
                              f"The read models (lists, dashboards, status) cannot be read now;"
                              f" try again in {exc.retry_after} s.",
                              headers={"Retry-After": str(exc.retry_after)})
    return ProblemDetails(503, "store-unavailable", "The event store is unavailable",
                          f"The pathways cannot be read or written now; try again in"
                          f" {exc.retry_after} s. Retrying a command with the same"
                          " Idempotency-Key is safe: it is recorded at most once.",
                          headers={"Retry-After": str(exc.retry_after)})


REALM = 'Bearer realm="carepath"'
_TOKEN_TITLES = {
    "token-missing": "A bearer token is required",
    "token-malformed": "The bearer token is malformed",
    "token-expired": "The bearer token has expired",
    "token-not-yet-valid": "The bearer token is not valid yet",
    "token-bad-signature": "The bearer token's signature does not verify",
    "token-wrong-issuer": "The bearer token is from another issuer",
    "token-wrong-audience": "The bearer token is for another audience",
    "token-claims": "The bearer token's claims are not usable",
}


def challenge(exc: TokenRefused) -> str:
    """The ``WWW-Authenticate`` value (RFC 6750): a bare challenge when no token came."""
    if exc.slug == "token-missing":
        return REALM
    description = exc.slug.removeprefix("token-").replace("-", " ")
    return f'{REALM}, error="invalid_token", error_description="token {description}"'


def _unauthenticated(exc: TokenRefused) -> ProblemDetails:
    return ProblemDetails(401, exc.slug, _TOKEN_TITLES.get(exc.slug, "Not authenticated"),
                          exc.detail, headers={"WWW-Authenticate": challenge(exc)})


def _forbidden(exc: Forbidden) -> ProblemDetails:
    slug = "outside-caseload" if exc.outside_caseload else "forbidden"
    title = ("The pathway is outside your caseload" if exc.outside_caseload
             else "Your role may not do this")
    return ProblemDetails(403, slug, title, f"Refused: {exc.reason}.",
                          {"role": exc.principal.role, "action": exc.action.value},
                          {"WWW-Authenticate": f'{REALM}, error="insufficient_scope"'})


KNOWN: tuple[tuple[type[Exception], Callable[[Any], ProblemDetails]], ...] = (
    (TokenRefused, _unauthenticated),
    (Forbidden, _forbidden),
    (ReasonRequired, _reason_required),
    (RuleViolation, _rule_violation),
    (InvalidCommand, _invalid_command),
    (VersionNotFound, _version_not_found),
    (PathwayNotFound, _not_found),
    (GroupVersionNotFound, _group_version_not_found),
    (GroupNotFound, _group_not_found),
    (VersionMismatch, _version_mismatch),
    (ConcurrencyConflict, _conflict),
    (IdempotencyKeyReused, _key_reused),
    (StoreUnavailable, _unavailable),
    (ReadModelBehind, _behind),
)
"""Most specific first: the first class that matches describes the refusal."""


def problem_of(exc: Exception) -> ProblemDetails | None:
    """The problem document of an application-layer refusal (None: not one of them)."""
    for kind, describe in KNOWN:
        if isinstance(exc, kind):
            return describe(exc)
    return None
