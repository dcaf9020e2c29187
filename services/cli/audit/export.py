"""``carepath audit export``: one pathway, or every pathway of a period, as JSON lines or a
FHIR R4 bundle, to a file or stdout (a period shows its progress on stderr)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from services.audit.export import Progress
from services.audit.instants import instant
from services.audit.trail import AuditTrail

PROGRESS_SECONDS = 2.0


def export(trail: AuditTrail, args: argparse.Namespace) -> int:
    if (args.pathway_id is None) == (args.since is None and args.until is None):
        print("carepath audit export: give a pathway id, or --since and --until (a period)",
              file=sys.stderr)
        return 2
    if args.pathway_id is not None:
        chunks = trail.export_pathway(args.pathway_id, args.format)
    else:
        if args.since is None or args.until is None:
            print("carepath audit export: a period needs both --since and --until",
                  file=sys.stderr)
            return 2
        since = instant(args.since, "--since", start_of_day=True)
        until = instant(args.until, "--until", start_of_day=True)
        if until <= since:
            print("carepath audit export: --until must be after --since", file=sys.stderr)
            return 2
        chunks = trail.export_period(since, until, args.format, progress=_progress())
    written = 0
    with _output(args.output) as out:
        for chunk in chunks:
            out.write(chunk)
            written += len(chunk)
    if args.output is not None:
        print(f"carepath audit export: {written:,} bytes of {args.format} written to"
              f" {args.output}", file=sys.stderr)
    return 0


@contextmanager
def _output(path: str | None) -> Iterator[BinaryIO]:
    if path is None or path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with open(path, "wb") as file:
        yield file


def _progress() -> Progress:
    started = shown = time.monotonic()

    def told(done: int, total: int) -> None:
        nonlocal shown
        now = time.monotonic()
        if now - shown < PROGRESS_SECONDS and done != total:
            return
        shown = now
        rate = done / max(1e-6, now - started)
        eta = f", ETA {(total - done) / rate:,.0f}s" if done < total and rate > 0 else ""
        print(f"  export: {done:,}/{total:,} pathways read ({rate:,.0f}/s{eta})",
              file=sys.stderr, flush=True)

    return told
