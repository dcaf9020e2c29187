"""Tamper-evidence routes (for the auditor role, once access control lands): verify the store
or a pathway, the latest signed checkpoint and the log's verifier key, and a pathway's
evidence for ``tools/verify_evidence.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import PlainTextResponse, StreamingResponse

from services.errors import PathwayNotFound
from services.http.headers import ContainerDep, PathwayId
from services.http.views import PROBLEM, View
from services.integrity.findings import Verification
from services.integrity.verify import UnknownPathway

router = APIRouter(prefix="/integrity", tags=["integrity"],
                   responses={404: PROBLEM, 422: PROBLEM, 503: PROBLEM})
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
    scope: str
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
        ok=result.ok, scope=result.scope, events=result.events, tree_size=result.tree_size,
        checkpoint_size=result.checkpoint_size, checkpoint_signed_at=result.checkpoint_signed_at,
        unsealed=result.unsealed, seconds=result.seconds,
        finding=None if finding is None else FindingView(
            broken=finding.broken.value, sentence=finding.sentence,
            position=finding.position, leaf_index=finding.leaf_index,
            pathway_id=finding.pathway_id, version=finding.version))


@router.get("/verify", response_model=VerificationView, summary="Verify the stored events")
def verify(container: ContainerDep, pathway_id: Annotated[UUID | None, Query(
        description="Check this pathway only (else the whole store).")] = None,
           ) -> VerificationView:
    """Recompute the hash tree of the stored events (or of one pathway's, with inclusion
    proofs) and compare it with the latest signed checkpoint. `ok: false` names the first
    broken link in `finding`. The whole store takes about a second per million events."""
    try:
        return view_of(container.integrity.verify(pathway_id))
    except UnknownPathway:
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


@router.get("/key", response_model=None, responses=TEXT,
            summary="The log's verifier key")
def key(container: ContainerDep) -> Response:
    """The public key checkpoints are signed with (`<name>+<key id>+<base64 key>`)."""
    return PlainTextResponse(container.integrity.verifier.text() + "\n")


@router.get("/pathways/{pathway_id}/evidence", summary="A pathway's evidence",
            responses={200: {"content": {"application/x-ndjson": {
                "schema": {"type": "string"}}}}})
def evidence(container: ContainerDep, pathway_id: PathwayId) -> Response:
    """Seal, then the pathway's stored events as JSON lines with their leaf hashes, inclusion
    proofs and the signed checkpoint (checked offline by `tools/verify_evidence.py`)."""
    from services.integrity.evidence import pathway_evidence  # noqa: PLC0415

    integrity = container.integrity
    sealed = integrity.seal()
    if sealed is None:
        raise PathwayNotFound(pathway_id)
    try:
        lines = list(pathway_evidence(integrity.store, integrity.verifier, sealed.note,
                                      pathway_id))
    except UnknownPathway:
        raise PathwayNotFound(pathway_id) from None
    return StreamingResponse(iter([line + "\n" for line in lines]),
                             media_type="application/x-ndjson")
