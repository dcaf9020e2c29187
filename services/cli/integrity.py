"""``carepath verify | seal | evidence | checkpoint-key``: tamper evidence from the command line.

``verify`` recomputes the hash tree from the stored events and holds it against the latest
signed checkpoint (and a checkpoint you kept, ``--checkpoint``), with a progress bar; it names
the first broken link and exits 3 if anything was altered, inserted, moved or removed.
``seal`` signs a checkpoint now. ``evidence`` writes a pathway's history (or the whole log)
with its proofs, for ``tools/verify_evidence.py``. ``checkpoint-key`` makes a signing key.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal, TextIO
from uuid import UUID

from services.cli.access_log import os_reader, purpose_option
from services.cli.common import EXIT_CONFIG, settings_from

EXIT_BROKEN = 3
BAR_WIDTH = 30
PLAIN_EVERY_SECONDS = 2.0
VERIFY_EPILOG = """\
examples:
  carepath verify                         every stored event, in parallel, with progress
  carepath verify --pathway <id>          one pathway's history and its inclusion proofs
  carepath verify --group <id>            one group's events (formed, members, sessions) likewise
  carepath verify --checkpoint kept.txt   also against a checkpoint kept outside the store
  carepath verify --json                  the result as JSON

exit status: 0 intact, 3 something was altered (the first broken link is named),
1 the store is unreachable, 2 bad settings or options.
"""


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                data_dir: Callable[[argparse.ArgumentParser], None]) -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    verify = commands.add_parser(
        "verify", help="prove the stored events untouched, or name the first broken link",
        formatter_class=formatter, epilog=VERIFY_EPILOG,
        description="Recompute the hash tree of the stored events and compare it with the"
                    " signed checkpoints.")
    one = verify.add_mutually_exclusive_group()
    one.add_argument("--pathway", type=UUID, metavar="ID", help="check one pathway only")
    one.add_argument("--group", type=UUID, metavar="ID",
                     help="check one group's own events only (its members' pathways are"
                          " checked with --pathway)")
    verify.add_argument("--checkpoint", type=Path, metavar="FILE",
                        help="a signed checkpoint kept outside the store (catches the removal"
                             " of the newest events together with their hashes)")
    verify.add_argument("--key", help="the log's verifier key (default: the configured"
                                      " CAREPATH_CHECKPOINT_KEY's)")
    verify.add_argument("--jobs", type=int, default=None,
                        help="worker processes (default: the CPU count, at most 4)")
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(handler=verify_command)

    seal = commands.add_parser("seal", help="sign a checkpoint of the log now",
                               description="Sign the hash tree's head as a checkpoint (the"
                                           " service also does this every few seconds).")
    seal.set_defaults(handler=seal_command)

    evidence = commands.add_parser(
        "evidence", help="export a history with its proofs (checked by tools/verify_evidence.py)",
        description="Seal, then write a pathway's events (a group's with --group, the whole log"
                    " with --all) as JSON lines with their leaf hashes, inclusion proofs and"
                    " the signed checkpoint.")
    evidence.add_argument("pathway", nargs="?", type=UUID, help="the pathway id")
    evidence.add_argument("--group", type=UUID, metavar="ID",
                          help="a group's own events instead of a pathway's")
    evidence.add_argument("--all", action="store_true", help="every event of the log")
    evidence.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    purpose_option(evidence)
    evidence.set_defaults(handler=evidence_command)
    for parser in (verify, seal, evidence):
        data_dir(parser)

    store = commands.add_parser(
        "store", help="set up the event store (PostgreSQL: as the owner role, once)",
        description="Event store administration.")
    store_commands = store.add_subparsers(title="subcommands", metavar="<subcommand>")
    init = store_commands.add_parser(
        "init", formatter_class=formatter,
        help="create the event store's tables; with --grant-to, restrict the service's role",
        description="Create the event store's tables (and their tamper-evidence tables and"
                    " append-only triggers) as the role in CAREPATH_DATABASE_URL, which then"
                    " owns them. --grant-to gives the service's own role SELECT and INSERT"
                    " (and the UPDATE that PostgreSQL's table lock needs, refused by the"
                    " trigger), never DELETE or TRUNCATE: see deploy/README.md.")
    init.add_argument("--grant-to", metavar="ROLE",
                      help="the service's PostgreSQL role, to restrict to adding events")
    init.set_defaults(handler=store_init_command)

    def store_usage(_args: argparse.Namespace) -> int:
        store.print_help()
        return EXIT_CONFIG

    store.set_defaults(handler=store_usage)
    data_dir(init)

    keygen = commands.add_parser(
        "checkpoint-key", help="generate a key that signs the log's checkpoints",
        description="Print a new Ed25519 signer key for CAREPATH_CHECKPOINT_KEY (keep it"
                    " secret) and its verifier key (give it to auditors).")
    keygen.add_argument("--name", required=True,
                        help="the log's name, a schema-less URL (e.g. clinic.example/carepath)")
    keygen.set_defaults(handler=checkpoint_key_command)


def checkpoint_key_command(args: argparse.Namespace) -> int:
    from services.integrity.keys import BadKey, new_signer  # noqa: PLC0415

    try:
        signer = new_signer(args.name)
    except BadKey as error:
        print(f"carepath: --name: {error}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"CAREPATH_CHECKPOINT_KEY={signer.text()}")
    print(f"# verifier key (public, for auditors and tools/verify_evidence.py):"
          f" {signer.verifier.text()}")
    return 0


def store_init_command(args: argparse.Namespace) -> int:
    from services.composition import bootstrap  # noqa: PLC0415
    from services.integrity.roles import restrict  # noqa: PLC0415

    settings = settings_from(args).model_copy(update={"create_event_tables": True})
    container = bootstrap(settings)  # creating the application creates its tables
    try:
        store = container.integrity.store
        print(f"event store ready: {', '.join(store.tables.all)}")
        if args.grant_to:
            if settings.database_url is None:
                print("carepath: --grant-to needs PostgreSQL (CAREPATH_DATABASE_URL)",
                      file=sys.stderr)
                return EXIT_CONFIG
            try:
                restrict(settings.database_url.get_secret_value(), store.tables,
                         store.schema or "public", args.grant_to)
            except ValueError as error:
                print(f"carepath: --grant-to: {error}", file=sys.stderr)
                return EXIT_CONFIG
            grant_access_log(container, store.schema or "public", args.grant_to)
            print(f"role {args.grant_to} may read and add events and access log entries,"
                  " never change or remove them; run the service as it with"
                  " CAREPATH_CREATE_EVENT_TABLES=false")
    finally:
        container.close()
    return 0


def grant_access_log(container: Any, schema: str, role: str) -> None:
    """The access log made (as the owner) and its reading and adding granted to ``role``."""
    from services.access.log.schema import grant_statements  # noqa: PLC0415

    with container.access_log.store.transaction() as tx:
        for statement in grant_statements(schema, role):
            tx.execute(statement)


def verify_command(args: argparse.Namespace) -> int:
    from services.composition import bootstrap  # noqa: PLC0415
    from services.integrity.keys import BadKey, parse_verifier  # noqa: PLC0415
    from services.integrity.note import BadCheckpoint  # noqa: PLC0415
    from services.integrity.scanning import default_jobs  # noqa: PLC0415
    from services.integrity.verify import UnknownPathway  # noqa: PLC0415

    container = bootstrap(settings_from(args))
    integrity = container.integrity
    try:
        try:
            verifier = parse_verifier(args.key) if args.key else integrity.verifier
            witness = integrity.open_witness(args.checkpoint.read_text(encoding="utf-8"),
                                             verifier) if args.checkpoint else None
        except (OSError, BadKey, BadCheckpoint) as error:
            print(f"carepath: {'--key' if isinstance(error, BadKey) else '--checkpoint'}:"
                  f" {error}", file=sys.stderr)
            return EXIT_CONFIG
        bar = None if args.json or args.pathway or args.group else Bar(sys.stderr)
        try:
            result = integrity.verify(args.pathway, group_id=args.group,
                                      jobs=args.jobs or default_jobs(), witness=witness,
                                      verifier=verifier, progress=bar.show if bar else None)
        except UnknownPathway:
            unknown = f"pathway {args.pathway}" if args.pathway else f"group {args.group}"
            print(f"carepath: no {unknown} in the store", file=sys.stderr)
            return EXIT_CONFIG
        if bar:
            bar.close()
    finally:
        container.close()
    print(json.dumps(_jsonable(asdict(result) | {"ok": result.ok}), indent=2) if args.json
          else describe(result))
    return 0 if result.ok else EXIT_BROKEN


def describe(result: Any) -> str:
    """The verification in sentences."""
    scope = "the store" if result.scope == "store" else f"{result.aggregate} {result.scope}"
    if result.finding is not None:
        return f"BROKEN ({result.finding.broken}): {result.finding.sentence}"
    sealed = ("no checkpoint yet" if result.checkpoint_size is None else
              f"sealed up to {result.checkpoint_size:,} by the checkpoint signed at"
              f" {result.checkpoint_signed_at:%Y-%m-%d %H:%M:%S} UTC")
    witness = ("" if result.witness_size is None else
               f"; consistent with your checkpoint of size {result.witness_size:,}")
    return (f"intact: {scope}, {result.events:,} events checked in {result.seconds:.1f}s;"
            f" the log's tree holds {result.tree_size:,}, {sealed}; {result.unsealed:,}"
            f" unsealed (in the tree, stored after the latest checkpoint){witness}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, UUID):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def seal_command(args: argparse.Namespace) -> int:
    from services.composition import bootstrap  # noqa: PLC0415
    from services.integrity.sealer import SealRefused  # noqa: PLC0415

    container = bootstrap(settings_from(args))
    try:
        sealed = container.integrity.seal()
    except SealRefused as error:
        print(f"carepath: not sealing: {error}", file=sys.stderr)
        return EXIT_BROKEN
    finally:
        container.close()
    if sealed is None:
        print("nothing to seal: the log is empty", file=sys.stderr)
        return 0
    if not sealed.new:
        print(f"nothing new since the latest checkpoint (size {sealed.checkpoint.size:,}):",
              file=sys.stderr)
    print(sealed.note, end="")
    return 0


def evidence_command(args: argparse.Namespace) -> int:
    from services.composition import bootstrap  # noqa: PLC0415
    from services.integrity.evidence import log_evidence, pathway_evidence  # noqa: PLC0415
    from services.integrity.sealer import SealRefused  # noqa: PLC0415
    from services.integrity.verify import UnknownPathway  # noqa: PLC0415

    if [args.pathway is not None, args.group is not None, args.all].count(True) != 1:
        print("carepath: name a pathway id, --group ID or --all", file=sys.stderr)
        return EXIT_CONFIG
    one = args.pathway or args.group
    scope: Literal["pathway", "group"] = "pathway" if args.pathway else "group"
    container = bootstrap(settings_from(args))
    integrity = container.integrity
    try:
        sealed = integrity.seal()
        if sealed is None:
            print("carepath: the log is empty", file=sys.stderr)
            return EXIT_CONFIG
        lines = list(log_evidence(integrity.store, integrity.verifier, sealed.note)
                     if args.all else pathway_evidence(integrity.store, integrity.verifier,
                                                       sealed.note, one, scope=scope))
        asked = "--all" if args.all else str(one) if args.pathway else f"--group {one}"
        container.access_log.record(os_reader(args.purpose), "evidence",
                                    None if args.all else one, f"carepath evidence {asked}")
        written = _write(lines, args.output)
    except SealRefused as error:
        print(f"carepath: the store is not intact, no evidence written: {error}",
              file=sys.stderr)
        return EXIT_BROKEN
    except UnknownPathway:
        print(f"carepath: no {scope} {one} in the store", file=sys.stderr)
        return EXIT_CONFIG
    finally:
        container.close()
    print(f"wrote {written - 1:,} events and the checkpoint of size"
          f" {sealed.checkpoint.size:,}" + (f" to {args.output}" if args.output else ""),
          file=sys.stderr)
    return 0


def _write(lines: Any, output: Path | None) -> int:
    count = 0
    out: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for line in lines:
            out.write(line + "\n")
            count += 1
    finally:
        if output:
            out.close()
    return count


class Bar:
    """Events checked, rate and ETA: redrawn on a TTY, a line every 2 s otherwise."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.started = self.shown_at = time.monotonic()
        self.drawn = False
        self.stage = "verify"

    def show(self, done: int, total: int, stage: str = "verify") -> None:
        now = time.monotonic()
        if stage != self.stage:  # the fast pass found a difference: now finding where
            self.close()
            self.stage, self.started, self.drawn = stage, now, False
        elif not self.tty and now - self.shown_at < PLAIN_EVERY_SECONDS and done < total:
            return
        self.shown_at = now
        rate = done / max(1e-6, now - self.started)
        eta = f"{(total - done) / rate:,.0f}s" if rate > 0 else "?"
        share = 1.0 if total == 0 else done / total
        filled = round(BAR_WIDTH * share)
        text = (f"{stage} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {share:4.0%}"
                f" {done:,}/{total:,} events {rate:,.0f}/s ETA {eta}")
        print(f"\r{text}" if self.tty else text, end="" if self.tty else "\n", file=self.out,
              flush=True)
        self.drawn = True

    def close(self) -> None:
        if self.tty and self.drawn:
            print(file=self.out, flush=True)
