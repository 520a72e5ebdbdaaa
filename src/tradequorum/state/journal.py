"""The embedded SQLite journal (WAL): the full history of decisions, tasks, escalations,
notifications, orders and fills, with the seed's ids.

Design choices
--------------
* One connection per :class:`Journal`, ``check_same_thread=False`` guarded by a lock: the runner's
  worker threads record task results while the main thread records decisions.
* A decision is unique per ``(symbol, timeframe, bar)``, an order per client order id, a fill per
  order: a restarted replay can never journal a bar twice or send an order twice.
* Id counters (:class:`~tradequorum.core.ids.IdSequence`) live in the ``counters`` table and are
  updated in the same transaction as the row that used the id.
* ``progress`` records the last completed bar per symbol/timeframe; it is written in the same
  transaction as that bar's decision, which is what crash recovery resumes from.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic_core import to_jsonable_python

from tradequorum.core.errors import StateCorrupted, TradeQuorumError
from tradequorum.core.ids import IdSequence

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS decisions (
  id TEXT PRIMARY KEY, bar TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL,
  workflow_id TEXT, tier TEXT, action TEXT NOT NULL, record TEXT NOT NULL, created_at TEXT NOT NULL,
  UNIQUE (symbol, timeframe, bar));
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, workflow_id TEXT, agent TEXT NOT NULL, action TEXT NOT NULL,
  status TEXT NOT NULL, duration_ms REAL, attempts INTEGER, error TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS escalations (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, decision_id TEXT, payload TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
  id TEXT PRIMARY KEY, type TEXT NOT NULL, priority TEXT NOT NULL, payload TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  client_order_id TEXT PRIMARY KEY, decision_id TEXT NOT NULL, symbol TEXT NOT NULL,
  side TEXT NOT NULL, quantity REAL NOT NULL, status TEXT NOT NULL, payload TEXT NOT NULL,
  created_at TEXT NOT NULL, sent_count INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS fills (
  id TEXT PRIMARY KEY, client_order_id TEXT NOT NULL UNIQUE, symbol TEXT NOT NULL,
  side TEXT NOT NULL, quantity REAL NOT NULL, price REAL NOT NULL, fee REAL NOT NULL,
  bar TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS progress (
  symbol TEXT NOT NULL, timeframe TEXT NOT NULL, bar TEXT NOT NULL,
  PRIMARY KEY (symbol, timeframe));
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def dumps(obj: Any) -> str:
    """Compact strict JSON (NaN refused) for journal rows.

    Plain JSON data (what ``model_dump(mode="json")`` gives) is encoded directly; anything else
    (datetimes, models, numpy scalars) goes through pydantic's ``to_jsonable_python`` as the
    encoder's fallback, so the text is the same as converting the whole object first.
    """
    try:
        return json.dumps(
            obj, default=to_jsonable_python, separators=(",", ":"), sort_keys=True, allow_nan=False
        )
    except TypeError:  # e.g. non-string keys, which the conversion first turns into strings
        return json.dumps(
            to_jsonable_python(obj), separators=(",", ":"), sort_keys=True, allow_nan=False
        )


def _iso(ts: pd.Timestamp) -> str:
    return pd.Timestamp(ts).tz_convert("UTC").isoformat()


class Journal:
    """Append-only journal of everything the coordinator did; see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(
                str(path), check_same_thread=False, isolation_level=None, timeout=30.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._db.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StateCorrupted(f"journal {path} is not a usable SQLite database: {exc}") from exc
        self.ids = IdSequence(self._load_counters())

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and ids ------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit: everything inside commits together or not at all."""
        with self._lock:
            snapshot = dict(self.ids.counters)
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._save_counters()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self.ids.counters = snapshot
                raise

    def next_id(self, prefix: str, now: pd.Timestamp) -> str:
        """Next id for ``prefix``, reserved in memory and persisted by the next transaction.

        A crash before that transaction commits forgets the reservation, so the re-run of the
        same work gets the very same ids (deterministic, never duplicated).
        """
        with self._lock:
            return self.ids.next(prefix, now)

    def _load_counters(self) -> dict[str, int]:
        rows = self._db.execute("SELECT key, n FROM counters").fetchall()
        return {str(k): int(n) for k, n in rows}

    def _save_counters(self) -> None:
        self._db.executemany(
            "INSERT INTO counters(key, n) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET n=excluded.n",
            list(self.ids.counters.items()),
        )

    # -- decisions -----------------------------------------------------------------------------
    def has_decision(self, symbol: str, timeframe: str, bar: pd.Timestamp) -> str | None:
        row = self._query_one(
            "SELECT id FROM decisions WHERE symbol=? AND timeframe=? AND bar=?",
            (symbol, timeframe, _iso(bar)),
        )
        return str(row[0]) if row else None

    def add_decision(
        self,
        *,
        decision_id: str,
        bar: pd.Timestamp,
        symbol: str,
        timeframe: str,
        workflow_id: str | None,
        tier: str | None,
        action: str,
        record: dict[str, Any],
        now: pd.Timestamp,
    ) -> None:
        self._db.execute(
            "INSERT INTO decisions VALUES (?,?,?,?,?,?,?,?,?)",
            (
                decision_id,
                _iso(bar),
                symbol,
                timeframe,
                workflow_id,
                tier,
                action,
                dumps(record),
                _iso(now),
            ),
        )

    def set_progress(self, symbol: str, timeframe: str, bar: pd.Timestamp) -> None:
        self._db.execute(
            "INSERT INTO progress VALUES (?,?,?) ON CONFLICT(symbol, timeframe) "
            "DO UPDATE SET bar=excluded.bar",
            (symbol, timeframe, _iso(bar)),
        )

    def progress(self, symbol: str, timeframe: str) -> pd.Timestamp | None:
        row = self._query_one(
            "SELECT bar FROM progress WHERE symbol=? AND timeframe=?", (symbol, timeframe)
        )
        return pd.Timestamp(row[0]) if row else None

    def decision(self, decision_id: str) -> dict[str, Any] | None:
        row = self._query_one("SELECT record FROM decisions WHERE id=?", (decision_id,))
        return self._parse(row[0], f"decision {decision_id}") if row else None

    def decisions(
        self, *, since: pd.Timestamp | None = None, symbol: str | None = None, limit: int = 0
    ) -> list[dict[str, Any]]:
        """Decision records in bar order (optionally since a bar time, for one symbol)."""
        sql, args = "SELECT record FROM decisions WHERE 1=1", []
        if since is not None:
            sql += " AND bar >= ?"
            args.append(_iso(since))
        if symbol is not None:
            sql += " AND symbol = ?"
            args.append(symbol)
        sql += " ORDER BY bar, symbol"
        rows = self._query(sql, tuple(args))
        out = [self._parse(r[0], "decision") for r in rows]
        return out[-limit:] if limit else out

    def decision_ids(self) -> list[str]:
        return [str(r[0]) for r in self._query("SELECT id FROM decisions ORDER BY bar, symbol")]

    # -- other records -------------------------------------------------------------------------
    def add_task(self, row: dict[str, Any], now: pd.Timestamp) -> None:
        """Record a delegated task (inside the caller's transaction when there is one)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO tasks VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    row["task_id"],
                    row.get("workflow_id"),
                    row["agent"],
                    row["action"],
                    row["status"],
                    row.get("duration_ms"),
                    row.get("attempts"),
                    row.get("error"),
                    _iso(now),
                ),
            )

    def add_escalation(
        self, esc_id: str, kind: str, decision_id: str | None, payload: Any, now: pd.Timestamp
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO escalations VALUES (?,?,?,?,?)",
                (esc_id, kind, decision_id, dumps(payload), _iso(now)),
            )

    def add_notification(
        self, not_id: str, kind: str, priority: str, payload: Any, now: pd.Timestamp
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR IGNORE INTO notifications VALUES (?,?,?,?,?)",
                (not_id, kind, priority, dumps(payload), _iso(now)),
            )

    def add_order(self, order: dict[str, Any], now: pd.Timestamp) -> bool:
        """Record an order; False (nothing written) if its client order id already exists."""
        cur = self._db.execute(
            "INSERT OR IGNORE INTO orders VALUES (?,?,?,?,?,?,?,?,0)",
            (
                order["client_order_id"],
                order["decision_id"],
                order["symbol"],
                order["side"],
                float(order["quantity"]),
                order["status"],
                dumps(order),
                _iso(now),
            ),
        )
        return cur.rowcount == 1

    def set_order_status(self, client_order_id: str, status: str, *, sent: bool = False) -> None:
        self._db.execute(
            "UPDATE orders SET status=?, sent_count=sent_count+? WHERE client_order_id=?",
            (status, 1 if sent else 0, client_order_id),
        )

    def answer(self, decision_id: str, *, confirm: bool) -> str:
        """A person's yes/no on an order awaiting confirmation; returns the new status."""
        with self._lock:
            row = self._query_one(
                "SELECT client_order_id, status FROM orders WHERE decision_id=?", (decision_id,)
            )
            if row is None:
                raise TradeQuorumError(f"no order for {decision_id}")
            if row[1] != "awaiting_confirmation":
                raise TradeQuorumError(
                    f"{decision_id}: order is {row[1]}, not awaiting confirmation"
                )
            status = "confirmed" if confirm else "rejected"
            self._db.execute("UPDATE orders SET status=? WHERE client_order_id=?", (status, row[0]))
            return status

    def orders(self, status: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT payload, status, sent_count FROM orders"
        rows = self._query(
            sql + (" WHERE status=?" if status else "") + " ORDER BY created_at, client_order_id",
            (status,) if status else (),
        )
        out = []
        for payload, st, sent in rows:
            rec = self._parse(payload, "order")
            rec["status"], rec["sent_count"] = st, int(sent)
            out.append(rec)
        return out

    def add_fill(self, fill: dict[str, Any]) -> bool:
        cur = self._db.execute(
            "INSERT OR IGNORE INTO fills VALUES (?,?,?,?,?,?,?,?,?)",
            (
                fill["fill_id"],
                fill["client_order_id"],
                fill["symbol"],
                fill["side"],
                float(fill["quantity"]),
                float(fill["price"]),
                float(fill["fee"]),
                fill["bar"],
                dumps(fill),
            ),
        )
        return cur.rowcount == 1

    def fills(self) -> list[dict[str, Any]]:
        rows = self._query("SELECT payload FROM fills ORDER BY bar, id", ())
        return [self._parse(r[0], "fill") for r in rows]

    def count(self, table: str) -> int:
        if table not in {"decisions", "tasks", "escalations", "notifications", "orders", "fills"}:
            raise ValueError(f"unknown journal table {table!r}")
        row = self._query_one(f"SELECT COUNT(*) FROM {table}", ())
        return int(row[0]) if row else 0

    def set_value(self, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT INTO kv VALUES (?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (key, dumps(value)),
        )

    def value(self, key: str) -> Any:
        row = self._query_one("SELECT value FROM kv WHERE key=?", (key,))
        return self._parse(row[0], f"kv {key}") if row else None

    # -- helpers -------------------------------------------------------------------------------
    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    def _query_one(self, sql: str, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
            return tuple(row) if row is not None else None

    def _parse(self, text: str, what: str) -> dict[str, Any]:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateCorrupted(f"journal {self.path}: {what} does not parse: {exc}") from exc
        if not isinstance(value, dict):
            raise StateCorrupted(f"journal {self.path}: {what} is not an object")
        return value


__all__ = ["Journal"]
