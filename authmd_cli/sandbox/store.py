"""The sandbox's state on the stdlib `sqlite3`: a file with `--db`, in memory otherwise.

Bearer secrets (claim tokens, attempt tokens, user codes, access and refresh tokens, session
ids) are stored only as SHA-256 hex digests (SPEC §12 "Token hashing"); the plaintext leaves
the server once. Every method is synchronous and short; `transaction()` groups the writes of
one state transition so a failure leaves no half-done claim.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE COLLATE NOCASE, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
  sid_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS delegations (
  iss TEXT NOT NULL, sub TEXT NOT NULL, user_id TEXT NOT NULL, created_at REAL NOT NULL,
  PRIMARY KEY (iss, sub));
CREATE TABLE IF NOT EXISTS registrations (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, created_at REAL NOT NULL,
  claim_hash TEXT UNIQUE, claim_expires_at REAL, login_hint TEXT,
  claimed_at REAL, user_id TEXT, revoked_at REAL, delivered_at REAL,
  iss TEXT, sub TEXT, aud TEXT, email TEXT);
CREATE INDEX IF NOT EXISTS reg_iss_sub ON registrations (iss, sub);
CREATE TABLE IF NOT EXISTS attempts (
  id TEXT PRIMARY KEY, reg_id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, login_hint TEXT NOT NULL,
  created_at REAL NOT NULL, expires_at REAL NOT NULL, code_hash TEXT, code_expires_at REAL,
  confirmed_at REAL, confirmed_user TEXT, failures INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'live', provider TEXT);
CREATE INDEX IF NOT EXISTS attempt_reg ON attempts (reg_id);
CREATE TABLE IF NOT EXISTS assertions (
  jti TEXT PRIMARY KEY, reg_id TEXT NOT NULL, expires_at REAL NOT NULL, superseded INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS assertion_reg ON assertions (reg_id);
CREATE TABLE IF NOT EXISTS access_tokens (
  hash TEXT PRIMARY KEY, reg_id TEXT NOT NULL, scope TEXT NOT NULL, expires_at REAL NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0, iss TEXT, sub TEXT);
CREATE INDEX IF NOT EXISTS at_reg ON access_tokens (reg_id);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash TEXT PRIMARY KEY, reg_id TEXT NOT NULL, expires_at REAL NOT NULL, spent_at REAL,
  revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS seen_jti (key TEXT PRIMARY KEY, expires_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS polls (reg_id TEXT PRIMARY KEY, last_at REAL NOT NULL, interval REAL NOT NULL);
"""


def _columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: [c[1] for c in conn.execute(f"PRAGMA table_info({t})")] for t in tables}


def _check_schema(conn: sqlite3.Connection) -> None:
    """`CREATE TABLE IF NOT EXISTS` keeps a same-named table of another program's file; its
    columns would fail later as 500s. Compare with a fresh schema and refuse the file now."""
    fresh = sqlite3.connect(":memory:")
    try:
        fresh.executescript(SCHEMA)
        want = _columns(fresh)
    finally:
        fresh.close()
    have = _columns(conn)
    for table, columns in want.items():
        if have.get(table) != columns:
            raise sqlite3.DatabaseError(f"table {table!r} does not have the sandbox's columns; "
                                        "not an authmd serve database")


@dataclass(frozen=True)
class Registration:
    id: str
    kind: str  # anonymous | service_auth | identity_assertion
    created_at: float
    claim_hash: str | None
    claim_expires_at: float | None
    login_hint: str | None
    claimed_at: float | None
    user_id: str | None
    revoked_at: float | None
    delivered_at: float | None  # v0.7-A claim grant: the claimed identity was handed out once
    iss: str | None
    sub: str | None
    aud: str | None
    email: str | None

    def expired(self, now: float) -> bool:
        """SPEC §7.2: `expired` if revoked, or the outer claim window passed while unclaimed."""
        if self.revoked_at is not None:
            return True
        return self.claimed_at is None and self.claim_expires_at is not None and now >= self.claim_expires_at


@dataclass(frozen=True)
class Attempt:
    id: str
    reg_id: str
    token_hash: str
    login_hint: str
    created_at: float
    expires_at: float
    code_hash: str | None
    code_expires_at: float | None
    confirmed_at: float | None
    confirmed_user: str | None
    failures: int
    state: str  # live | superseded | locked | completed
    provider: str | None  # ID-JAG issuer for a step-up ceremony


@dataclass(frozen=True)
class AccessToken:
    hash: str
    reg_id: str
    scope: str
    expires_at: float
    revoked: int
    iss: str | None
    sub: str | None


@dataclass(frozen=True)
class RefreshToken:
    hash: str
    reg_id: str
    expires_at: float
    spent_at: float | None
    revoked: int


@dataclass(frozen=True)
class User:
    id: str
    email: str
    created_at: float


DEFAULT_BUSY_TIMEOUT = 1.0  # seconds a write waits for another connection's lock before StoreBusy


class StoreBusy(Exception):  # noqa: N818 - a state, not an error of the caller
    """The database is locked by another connection for longer than the busy timeout
    (SQLITE_BUSY / SQLITE_LOCKED). The routes answer 503 with `Retry-After`: a client can retry,
    unlike the 500 a raw `OperationalError` became."""


def _busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # extended codes keep the primary in the low byte
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextmanager
def _busy_as_store_busy() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as exc:
        if _busy(exc):
            raise StoreBusy(str(exc)) from None
        raise


class Store:
    """One connection shared by the worker threads the routes run in (`run_in_threadpool`): every
    statement, and every `transaction()` as a whole, holds `_lock`, so a transaction's writes are
    never interleaved with another thread's statements on the same connection."""

    def __init__(self, path: str | Path | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        target = ":memory:"
        if path is not None:
            p = Path(path)
            if not p.exists():
                # the file holds the service's private key: create it owner-only
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT, 0o600))
            target = str(p)
        self._lock = threading.RLock()
        # `timeout` is SQLite's busy timeout: how long a statement waits for another connection's
        # lock (the default 5 s stalled a request, then failed it as a 500)
        self._conn = sqlite3.connect(target, timeout=busy_timeout, check_same_thread=False, isolation_level=None)
        try:
            self._conn.row_factory = sqlite3.Row
            if path is not None:
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.executescript(SCHEMA)
            if path is not None:
                _check_schema(self._conn)
        except BaseException:  # not a database, read-only, …: do not leak the handle
            self._conn.close()
            raise
        self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                with _busy_as_store_busy():
                    self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                try:
                    with _busy_as_store_busy():
                        self._conn.execute("COMMIT")
                except StoreBusy:
                    self._conn.execute("ROLLBACK")
                    raise

    def _exec(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        with self._lock, _busy_as_store_busy():
            return self._conn.execute(sql, args)

    def _one(self, sql: str, args: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        with self._lock, _busy_as_store_busy():
            row: sqlite3.Row | None = self._conn.execute(sql, args).fetchone()
            return row

    def _all(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock, _busy_as_store_busy():
            return list(self._conn.execute(sql, args).fetchall())

    # ------------------------------------------------------------ meta (service key)

    def get_meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        self._exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # ------------------------------------------------------------ users, sessions, delegations

    def user_by_email(self, email: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE email = ?", (email,))
        return None if row is None else User(**dict(row))

    def user_by_id(self, uid: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE id = ?", (uid,))
        return None if row is None else User(**dict(row))

    def add_user(self, uid: str, email: str, now: float) -> User:
        self._exec("INSERT INTO users (id, email, created_at) VALUES (?, ?, ?)", (uid, email, now))
        return User(uid, email, now)

    def add_session(self, sid_hash: str, user_id: str, expires_at: float) -> None:
        self._exec("INSERT INTO sessions VALUES (?, ?, ?)", (sid_hash, user_id, expires_at))

    def session_user(self, sid_hash: str, now: float) -> User | None:
        row = self._one("SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id "
                        "WHERE s.sid_hash = ? AND s.expires_at > ?", (sid_hash, now))
        return None if row is None else User(**dict(row))

    def drop_session(self, sid_hash: str) -> None:
        self._exec("DELETE FROM sessions WHERE sid_hash = ?", (sid_hash,))

    def delegation(self, iss: str, sub: str) -> str | None:
        row = self._one("SELECT user_id FROM delegations WHERE iss = ? AND sub = ?", (iss, sub))
        return None if row is None else str(row["user_id"])

    def set_delegation(self, iss: str, sub: str, user_id: str, now: float) -> None:
        self._exec("INSERT OR REPLACE INTO delegations VALUES (?, ?, ?, ?)", (iss, sub, user_id, now))

    def drop_delegation(self, iss: str, sub: str) -> None:
        self._exec("DELETE FROM delegations WHERE iss = ? AND sub = ?", (iss, sub))

    def user_has_provider(self, user_id: str, iss: str) -> bool:
        return self._one("SELECT 1 FROM delegations WHERE user_id = ? AND iss = ?", (user_id, iss)) is not None

    def user_has_claimed(self, user_id: str) -> bool:
        return self._one("SELECT 1 FROM registrations WHERE user_id = ? AND claimed_at IS NOT NULL",
                         (user_id,)) is not None

    # ------------------------------------------------------------ registrations

    def add_registration(self, reg: Registration) -> None:
        self._exec("INSERT INTO registrations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (
            reg.id, reg.kind, reg.created_at, reg.claim_hash, reg.claim_expires_at, reg.login_hint,
            reg.claimed_at, reg.user_id, reg.revoked_at, reg.delivered_at, reg.iss, reg.sub, reg.aud,
            reg.email))

    def registration(self, reg_id: str) -> Registration | None:
        row = self._one("SELECT * FROM registrations WHERE id = ?", (reg_id,))
        return None if row is None else Registration(**dict(row))

    def registration_by_claim(self, claim_hash: str) -> Registration | None:
        row = self._one("SELECT * FROM registrations WHERE claim_hash = ?", (claim_hash,))
        return None if row is None else Registration(**dict(row))

    def registrations_for(self, iss: str, sub: str) -> list[Registration]:
        rows = self._all("SELECT * FROM registrations WHERE iss = ? AND sub = ?", (iss, sub))
        return [Registration(**dict(r)) for r in rows]

    def update_registration(self, reg_id: str, **fields: Any) -> None:
        allowed = {"claim_hash", "claim_expires_at", "login_hint", "claimed_at", "user_id", "revoked_at",
                   "delivered_at", "iss", "sub", "aud", "email", "kind"}
        if not fields or not set(fields) <= allowed:
            raise ValueError(f"bad registration update {sorted(fields)}")
        cols = ", ".join(f"{k} = ?" for k in fields)
        self._exec(f"UPDATE registrations SET {cols} WHERE id = ?", (*fields.values(), reg_id))

    # ------------------------------------------------------------ claim attempts

    def add_attempt(self, att: Attempt) -> None:
        with self.transaction():
            # a new attempt kills earlier URLs and codes (SPEC §12 "re-minting ... invalidates")
            self._exec("UPDATE attempts SET state = 'superseded' WHERE reg_id = ? AND state = 'live'",
                       (att.reg_id,))
            self._exec("INSERT INTO attempts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", (
                att.id, att.reg_id, att.token_hash, att.login_hint, att.created_at, att.expires_at,
                att.code_hash, att.code_expires_at, att.confirmed_at, att.confirmed_user, att.failures,
                att.state, att.provider))

    def attempt_by_token(self, token_hash: str) -> Attempt | None:
        row = self._one("SELECT * FROM attempts WHERE token_hash = ?", (token_hash,))
        return None if row is None else Attempt(**dict(row))

    def current_attempt(self, reg_id: str) -> Attempt | None:
        row = self._one("SELECT * FROM attempts WHERE reg_id = ? AND state != 'superseded' "
                        "ORDER BY created_at DESC, rowid DESC LIMIT 1", (reg_id,))
        return None if row is None else Attempt(**dict(row))

    def count_attempts(self, reg_id: str) -> int:
        row = self._one("SELECT COUNT(*) AS n FROM attempts WHERE reg_id = ?", (reg_id,))
        return 0 if row is None else int(row["n"])

    def update_attempt(self, att_id: str, **fields: Any) -> None:
        allowed = {"code_hash", "code_expires_at", "confirmed_at", "confirmed_user", "failures", "state"}
        if not fields or not set(fields) <= allowed:
            raise ValueError(f"bad attempt update {sorted(fields)}")
        cols = ", ".join(f"{k} = ?" for k in fields)
        self._exec(f"UPDATE attempts SET {cols} WHERE id = ?", (*fields.values(), att_id))

    def kill_attempts(self, reg_id: str) -> None:
        self._exec("UPDATE attempts SET state = 'superseded' WHERE reg_id = ? AND state = 'live'", (reg_id,))

    # ------------------------------------------------------------ service assertions

    def add_assertion(self, jti: str, reg_id: str, expires_at: float) -> None:
        self._exec("INSERT INTO assertions VALUES (?, ?, ?, 0)", (jti, reg_id, expires_at))

    def assertion_live(self, jti: str, reg_id: str) -> bool:
        row = self._one("SELECT superseded FROM assertions WHERE jti = ? AND reg_id = ?", (jti, reg_id))
        return row is not None and not row["superseded"]

    def supersede_assertions(self, reg_id: str) -> None:
        self._exec("UPDATE assertions SET superseded = 1 WHERE reg_id = ?", (reg_id,))

    # ------------------------------------------------------------ access and refresh tokens

    def add_access_token(self, tok: AccessToken) -> None:
        self._exec("INSERT INTO access_tokens VALUES (?,?,?,?,?,?,?)", (
            tok.hash, tok.reg_id, tok.scope, tok.expires_at, tok.revoked, tok.iss, tok.sub))

    def access_token(self, token_hash: str) -> AccessToken | None:
        row = self._one("SELECT * FROM access_tokens WHERE hash = ?", (token_hash,))
        return None if row is None else AccessToken(**dict(row))

    def revoke_access_token(self, token_hash: str) -> int:
        return self._exec("UPDATE access_tokens SET revoked = 1 WHERE hash = ?", (token_hash,)).rowcount

    def revoke_access_tokens_of(self, reg_id: str) -> int:
        return self._exec("UPDATE access_tokens SET revoked = 1 WHERE reg_id = ? AND revoked = 0",
                          (reg_id,)).rowcount

    def revoke_access_tokens_for(self, iss: str, sub: str) -> int:
        return self._exec("UPDATE access_tokens SET revoked = 1 WHERE iss = ? AND sub = ? AND revoked = 0",
                          (iss, sub)).rowcount

    def add_refresh_token(self, tok: RefreshToken) -> None:
        self._exec("INSERT INTO refresh_tokens VALUES (?,?,?,?,?)", (
            tok.hash, tok.reg_id, tok.expires_at, tok.spent_at, tok.revoked))

    def refresh_token(self, token_hash: str) -> RefreshToken | None:
        row = self._one("SELECT * FROM refresh_tokens WHERE hash = ?", (token_hash,))
        return None if row is None else RefreshToken(**dict(row))

    def spend_refresh_token(self, token_hash: str, now: float) -> bool:
        """Atomically mark spent; False if someone spent it first (a concurrent reuse)."""
        cur = self._exec("UPDATE refresh_tokens SET spent_at = ? WHERE hash = ? AND spent_at IS NULL",
                         (now, token_hash))
        return cur.rowcount == 1

    def revoke_refresh_tokens_of(self, reg_id: str) -> int:
        return self._exec("UPDATE refresh_tokens SET revoked = 1 WHERE reg_id = ? AND revoked = 0",
                          (reg_id,)).rowcount

    def revoke_refresh_token(self, token_hash: str) -> int:
        return self._exec("UPDATE refresh_tokens SET revoked = 1 WHERE hash = ?", (token_hash,)).rowcount

    # ------------------------------------------------------------ replay cache, polling

    def remember_jti(self, key: str, expires_at: float, now: float) -> bool:
        """Record a `jti`; False if it was already seen and not yet forgotten (a replay)."""
        with self.transaction():
            self._exec("DELETE FROM seen_jti WHERE expires_at <= ?", (now,))
            cur = self._exec("INSERT OR IGNORE INTO seen_jti VALUES (?, ?)", (key, expires_at))
            return cur.rowcount == 1

    def poll(self, reg_id: str) -> tuple[float, float] | None:
        row = self._one("SELECT last_at, interval FROM polls WHERE reg_id = ?", (reg_id,))
        return None if row is None else (float(row["last_at"]), float(row["interval"]))

    def set_poll(self, reg_id: str, last_at: float, interval: float) -> None:
        self._exec("INSERT OR REPLACE INTO polls VALUES (?, ?, ?)", (reg_id, last_at, interval))

    def counts(self) -> dict[str, int]:
        out = {}
        for table in ("registrations", "attempts", "access_tokens", "refresh_tokens", "users"):
            row = self._one(f"SELECT COUNT(*) AS n FROM {table}")
            out[table] = 0 if row is None else int(row["n"])
        return out
