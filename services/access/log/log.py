"""The access log service: record a read (before the data is served), list, report, verify.

An entry is written in its own transaction before the read it records is answered: if it
cannot be written the read is refused (503), never served unrecorded. Appends are serialised
(SQLite's write lock; a transaction-scoped advisory lock on PostgreSQL), each entry chained to
the one before (``entries``) and sealed with the log's Ed25519 key as a C2SP signed note
(origin ``<key name>/access-log``, size = the entry's number, root = its chained hash), so a
rewritten chain shows without the key too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

import psycopg

from projections.store import ReadStore, Tx, create_tables
from services.access.log.entries import (
    GENESIS,
    Break,
    Entry,
    Reader,
    chained,
    first_break,
    utc_text,
)
from services.access.log.schema import TABLE, postgres_statements, sqlite_statements
from services.errors import StoreUnavailable
from services.integrity.keys import SignerKey, VerifierKey
from services.integrity.note import BadCheckpoint, Checkpoint, open_checkpoint

LOCK_KEY: Final = 0x63617265_61636365  # "careacce": one writer of the chain at a time
COLUMNS: Final = ("seq", "recorded_at", "actor_id", "actor_role", "token_id", "action",
                  "pathway_id", "purpose", "channel", "detail", "hash", "seal")
MAX_PAGE: Final = 1000


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    finding: Break | None


class AccessLog:
    """Records reads into the ``access_log`` table of ``store`` (see the module)."""

    def __init__(self, store: ReadStore, signer: SignerKey, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 create: bool = True, enabled: bool = True) -> None:
        self.store = store
        self.signer = signer
        self.clock = clock
        self.enabled = enabled
        self.origin = f"{signer.name}/access-log"
        if create:
            with self._tx() as tx:
                create_tables(tx, sqlite_statements() if tx.dialect == "sqlite"
                              else postgres_statements())

    @contextmanager
    def _tx(self, *, reading: bool = False) -> Iterator[Tx]:
        try:
            with (self.store.reading() if reading else self.store.transaction()) as tx:
                yield tx
        except (sqlite3.OperationalError, psycopg.OperationalError) as error:
            raise StoreUnavailable(f"the access log: {error}") from None

    def record(self, reader: Reader, action: str, pathway_id: UUID | None,
               detail: str) -> Entry | None:
        """Append one entry (None when the access log is switched off, development only)."""
        if not self.enabled:
            return None
        with self._tx() as tx:
            if tx.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(:key)", {"key": LOCK_KEY})
            last = tx.one(f"SELECT seq, hash FROM {TABLE} ORDER BY seq DESC LIMIT 1")
            seq, previous = (1, GENESIS) if last is None else (int(last[0]) + 1, bytes(last[1]))
            draft = Entry(seq=seq, recorded_at=self.clock().astimezone(UTC),
                          actor_id=reader.actor_id, actor_role=reader.actor_role,
                          token_id=reader.token_id, action=action, pathway_id=pathway_id,
                          purpose=reader.purpose, channel=reader.channel, detail=detail[:500],
                          hash=b"")
            fields = draft.fields()
            hashed = chained(previous, fields)
            seal = Checkpoint(self.origin, seq, hashed).sign(self.signer)
            tx.execute(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES"
                       f" ({', '.join(':' + c for c in COLUMNS)})",
                       {**fields, "hash": hashed, "seal": seal})
        return Entry(**{**draft.__dict__, "hash": hashed})

    def entries(self, *, pathways: Collection[UUID] | None = None, actor: str | None = None,
                since: datetime | None = None, until: datetime | None = None, after: int = 0,
                limit: int = 100) -> list[Entry]:
        """Entries after ``after`` in order, filtered (``pathways``: any of them; ``since``
        included, ``until`` excluded, by the time recorded)."""
        where = ["seq > :after"]
        params: dict[str, object] = {"after": after, "limit": min(limit, MAX_PAGE)}
        if pathways is not None:
            names = [f":p{n}" for n in range(len(pathways))]
            where.append(f"pathway_id IN ({', '.join(names)})" if names else "1 = 0")
            params.update({name[1:]: str(p) for name, p in zip(names, sorted(pathways),
                                                              strict=True)})
        bounds: tuple[tuple[str, str, str | None], ...] = (
            ("actor_id", "=", actor),
            ("recorded_at", ">=", None if since is None else utc_text(since)),
            ("recorded_at", "<", None if until is None else utc_text(until)))
        for column, op, value in bounds:
            if value is not None:
                name = f"{column}_{len(params)}"
                where.append(f"{column} {op} :{name}")
                params[name] = value
        with self._tx(reading=True) as tx:
            rows = tx.all(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE"
                          f" {' AND '.join(where)} ORDER BY seq LIMIT :limit", params)
        return [entry_of(row) for row in rows]

    def verify(self, verifier: VerifierKey, *, page: int = MAX_PAGE) -> Verification:
        """The whole chain, entry by entry, and the latest entry's seal with ``verifier``."""
        previous, count, last = GENESIS, 0, None
        while True:
            with self._tx(reading=True) as tx:
                rows = tx.all(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} WHERE seq > :after"
                              " ORDER BY seq LIMIT :limit", {"after": count, "limit": page})
            batch = [entry_of(row) for row in rows]
            found = first_break(batch, previous, count + 1)
            if found is not None:
                return Verification(False, count, found)
            if not batch:
                break
            previous, count, last = batch[-1].hash, batch[-1].seq, rows[-1]
        if last is not None and not self._sealed(str(last[-1]), count, previous, verifier):
            return Verification(False, count, Break(count, f"entry {count}'s seal is not"
                                                           " signed by the log's key"))
        return Verification(True, count, None)

    def _sealed(self, note: str, seq: int, hashed: bytes, verifier: VerifierKey) -> bool:
        try:
            checkpoint = open_checkpoint(note, verifier)
        except BadCheckpoint:
            return False
        return (checkpoint.origin, checkpoint.size, checkpoint.root) == (self.origin, seq,
                                                                        hashed)


def entry_of(row: tuple[Any, ...]) -> Entry:
    values = dict(zip(COLUMNS, row, strict=True))
    return Entry(seq=int(values["seq"]),
                 recorded_at=datetime.fromisoformat(values["recorded_at"]),
                 actor_id=values["actor_id"], actor_role=values["actor_role"],
                 token_id=values["token_id"], action=values["action"],
                 pathway_id=None if values["pathway_id"] is None else UUID(values["pathway_id"]),
                 purpose=values["purpose"], channel=values["channel"], detail=values["detail"],
                 hash=bytes(values["hash"]))
