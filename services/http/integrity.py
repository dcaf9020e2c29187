"""Tamper-evidence routes (the auditor's and the admin's; the key is public): verify the store
or a pathway, the latest signed checkpoint and the log's verifier key, and a pathway's
evidence for ``tools/verify_evidence.py``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import Field

from services.composition import Container
from services.errors import GroupNotFound, PathwayNotFound
from services.http.auth.reading import PurposeQuery, reader_of, record
from services.http.groups import GroupId
from services.http.headers import ContainerDep, PathwayId
from services.http.problems import BadRequestField
from services.http.views import PROBLEM, View
from services.integrity.findings import Verification
from services.integrity.service import consistency
from services.integrity.verify import Aggregate, UnknownPathway

router = APIRouter(prefix="/integrity", tags=["integrity"],
                   responses={404: PROBLEM, 409: PROBLEM, 422: PROBLEM, 503: PROBLEM})
MAX_SIZE = 2**62
TEXT: dict[int | str, dict[str, Any]] = {200: {"content": {"text/plain": {
    "schema": {"type": "string"}}}}}


class FindingView(View):
    broken: Literal["altered", "deleted", "inserted", "moved", "rewritten", "truncated",
                    "forged-checkpoint", "damaged-tree"]
    sentence: str
    position: int | None
    leaf_index: int | None
    pathway_id: UUID | None
    version: int | None


class VerificationView(View):
    ok: bool
    scope: str = Field(description="`store`, or the id of the pathway or group checked.")
    aggregate: Literal["pathway", "group"] | None = Field(description=(
        "For one stream: whether `scope` is a pathway or a group."))
    events: int
    tree_size: int
    checkpoint_size: int | None
    checkpoint_signed_at: datetime | None
    unsealed: int
    finding: FindingView | None
    seconds: float


def view_of(result: Verification) -> VerificationView:
    finding = result.finding
    return VerificationView(
        ok=result.ok, scope=result.scope, aggregate=result.aggregate,  # type: ignore[arg-type]
        events=result.events, tree_size=result.tree_size,
        checkpoint_size=result.checkpoint_size, checkpoint_signed_at=result.checkpoint_signed_at,
        unsealed=result.unsealed, seconds=result.seconds,
        finding=None if finding is None else FindingView(
            broken=finding.broken.value, sentence=finding.sentence,
            position=finding.position, leaf_index=finding.leaf_index,
            pathway_id=finding.pathway_id, version=finding.version))


@router.get("/verify", response_model=VerificationView, summary="Verify the stored events")
def verify(container: ContainerDep, pathway_id: Annotated[UUID | None, Query(
        description="Check this pathway only (else the whole store).")] = None,
           group_id: Annotated[UUID | None, Query(
        description="Check this group's own events only (not with `pathway_id`).")] = None,
           ) -> VerificationView:
    """Recompute the hash tree of the stored events (or of one pathway's or one group's, with
    inclusion proofs) and compare it with the latest signed checkpoint. `ok: false` names the
    first broken link in `finding`. The whole store takes about a second per million events."""
    if pathway_id is not None and group_id is not None:
        raise BadRequestField("query", "give pathway_id or group_id, not both", status=422)
    try:
        return view_of(container.integrity.verify(pathway_id, group_id=group_id))
    except UnknownPathway:
        if group_id is not None:
            raise GroupNotFound(group_id) from None
        raise PathwayNotFound(pathway_id) from None  # type: ignore[arg-type]


@router.get("/checkpoint", response_model=None, responses=TEXT,
            summary="The latest signed checkpoint")
def checkpoint(container: ContainerDep) -> Response:
    """The log's latest checkpoint: a C2SP tlog-checkpoint (origin, size, RFC 6962 root) in a
    C2SP signed note. Keep copies outside the service: `carepath verify --checkpoint` holds
    the store against one, which catches the removal of the newest events."""
    head = container.integrity.store.head()
    if head.checkpoint is None:
        raise HTTPException(404, "no checkpoint yet: the log is empty or not sealed yet")
    return PlainTextResponse(head.checkpoint.note)


class ConsistencyView(View):
    old: int = Field(description="The size of the tree you hold a checkpoint of.")
    new: int = Field(description="The size of the latest checkpoint.")
    proof: list[str] = Field(description="RFC 9162 consistency proof, hex hashes.")
    checkpoint: str = Field(description="The latest signed checkpoint (C2SP signed note).")


@router.get("/consistency", response_model=ConsistencyView,
            summary="Prove the latest checkpoint extends one you hold")
def consistency_proof(container: ContainerDep, old: Annotated[int, Query(
        alias="from", ge=1, le=MAX_SIZE,
        description="The tree size of the checkpoint you kept.")]) -> ConsistencyView:
    """An RFC 9162 consistency proof from the tree of `from` events to the latest signed
    checkpoint: with the checkpoint you kept, it shows the log only grew since (nothing
    changed or removed), without access to the store (`tools/verify_evidence.py --kept`)."""
    try:
        found = consistency(container.integrity, old)
    except ValueError:
        raise BadRequestField("query.from", "must not exceed the latest checkpoint's size",
                              status=422) from None
    except KeyError:
        raise HTTPException(409, "the stored tree lacks subtrees: run carepath verify") from None
    if found is None:
        raise HTTPException(404, "no checkpoint yet: the log is empty or not sealed yet")
    return ConsistencyView(old=found.old, new=found.new, proof=[h.hex() for h in found.proof],
                           checkpoint=found.checkpoint)


@router.get("/key", response_model=None, responses=TEXT,
            summary="The log's verifier key")
def key(container: ContainerDep) -> Response:
    """The public key checkpoints are signed with (`<name>+<key id>+<base64 key>`)."""
    return PlainTextResponse(container.integrity.verifier.text() + "\n")


@router.get("/pathways/{pathway_id}/evidence", summary="A pathway's evidence",
            responses={200: {"content": {"application/x-ndjson": {
                "schema": {"type": "string"}}}}})
def evidence(container: ContainerDep, pathway_id: PathwayId, request: Request,
             purpose: PurposeQuery = None) -> Response:
    """Seal, then the pathway's stored events as JSON lines with their leaf hashes, inclusion
    proofs and the signed checkpoint (checked offline by `tools/verify_evidence.py`). Each
    read is recorded in the access log."""
    return _evidence(container, request, purpose, pathway_id, scope="pathway",
                     missing=PathwayNotFound)


@router.get("/groups/{group_id}/evidence", summary="A group's evidence",
            responses={200: {"content": {"application/x-ndjson": {
                "schema": {"type": "string"}}}}})
def group_evidence(container: ContainerDep, group_id: GroupId, request: Request,
                   purpose: PurposeQuery = None) -> Response:
    """Seal, then the group's own stored events (formed, members, sessions, closed) as JSON
    lines with their leaf hashes, inclusion proofs and the signed checkpoint (scope `group`,
    checked offline by `tools/verify_evidence.py`). Each read is recorded in the access log."""
    return _evidence(container, request, purpose, group_id, scope="group",
                     missing=GroupNotFound)


def _evidence(container: Container, request: Request, purpose: str | None, stream_id: UUID,
              *, scope: Aggregate, missing: Callable[[UUID], Exception]) -> Response:
    """Seal, then the evidence of ``stream_id`` (a pathway's or a group's, as ``scope`` says)
    as JSON lines, its read recorded in the access log; ``missing`` is the 404 for an id
    the store does not hold as that kind."""
    from services.integrity.evidence import pathway_evidence  # noqa: PLC0415

    reader = reader_of(request, purpose)
    integrity = container.integrity
    sealed = integrity.seal()
    if sealed is None:
        raise missing(stream_id)
    try:
        lines = list(pathway_evidence(integrity.store, integrity.verifier, sealed.note,
                                      stream_id, scope=scope))
    except UnknownPathway:
        raise missing(stream_id) from None
    record(request, reader, "evidence", stream_id)
    return StreamingResponse(iter([line + "\n" for line in lines]),
                             media_type="application/x-ndjson")
