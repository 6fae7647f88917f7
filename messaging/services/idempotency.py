"""Idempotency keys: a retried create or send returns the first answer and stores nothing new.

The key is claimed (a row inserted) at the start of the request's transaction, and the
answer recorded in the same transaction as what the request wrote: they commit together
or not at all, so a retry finds either the whole first answer or no trace of it. A refused
request rolls its claim back with everything else, so the client can correct the request
and try again with the same key. Of two concurrent retries, the second waits on the first
one's claim (the unique key) and then replays its answer.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messaging.clock import utcnow
from messaging.identity import Principal
from messaging.models.idempotency import IDEMPOTENCY_KEY_MAX_LENGTH, IdempotencyKey
from messaging.services.errors import MessagingError

# How long a key remembers its answer; after that the key may be used afresh.
REPLAY_WINDOW = timedelta(hours=24)


class InvalidIdempotencyKey(MessagingError):
    def __init__(self):
        super().__init__(
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters.",
            fields={"Idempotency-Key": "Invalid."},
        )


class IdempotencyKeyReused(MessagingError):
    def __init__(self):
        super().__init__("This Idempotency-Key was already used for a different request.")


class IdempotentRequestInProgress(MessagingError):
    def __init__(self):
        super().__init__("A request with this Idempotency-Key is still being processed; retry shortly.")


@dataclass(frozen=True)
class RecordedResponse:
    status: int
    body: str


@dataclass(frozen=True)
class IdempotentOutcome:
    response: RecordedResponse
    replayed: bool


def validate_key(key: str) -> str:
    if not 1 <= len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH or not all(" " < c <= "~" for c in key):
        raise InvalidIdempotencyKey()
    return key


class IdempotencyService:
    def __init__(self, session: Session):
        self.session = session

    def run_once(
        self,
        principal: Principal,
        key: str,
        fingerprint: str,
        action: Callable[[], RecordedResponse],
    ) -> IdempotentOutcome:
        """Run ``action`` unless this principal already ran the same request under ``key``."""
        key = validate_key(key)
        claim, recorded = self._claim(principal, key, fingerprint)
        if recorded is not None:
            return IdempotentOutcome(recorded, replayed=True)
        response = action()
        claim.response_status = response.status
        claim.response_body = response.body
        claim.completed_at = utcnow()
        self.session.flush()
        return IdempotentOutcome(response, replayed=False)

    def _claim(self, principal: Principal, key: str, fingerprint: str, *, attempts: int = 2):
        now = utcnow()
        row = self._find(principal, key)
        if row is not None and self._stale(row, now):
            self.session.delete(row)
            self.session.flush()
            row = None
        if row is not None:
            if row.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            return row, RecordedResponse(row.response_status, row.response_body or "")
        claim = IdempotencyKey(
            principal_type=principal.type.value,
            principal_id=principal.id,
            key=key,
            request_fingerprint=fingerprint,
            created_at=now,
        )
        self.session.add(claim)
        try:
            self.session.flush()
        except IntegrityError:
            # A concurrent request claimed the same key and has committed its answer by now. The claim
            # is this request's first write, so rolling back loses nothing (and, unlike a SAVEPOINT,
            # cannot commit early under pysqlite).
            self.session.rollback()
            if attempts <= 1:
                raise IdempotentRequestInProgress() from None
            return self._claim(principal, key, fingerprint, attempts=attempts - 1)
        return claim, None

    def _find(self, principal: Principal, key: str) -> IdempotencyKey | None:
        return self.session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.principal_type == principal.type.value,
                IdempotencyKey.principal_id == principal.id,
                IdempotencyKey.key == key,
            )
        )

    @staticmethod
    def _stale(row: IdempotencyKey, now) -> bool:
        # Rows without an answer predate answers committed with their claim: nothing to replay.
        return row.response_status is None or row.created_at < now - REPLAY_WINDOW

    def purge_expired(self) -> int:
        """Forget answers older than the replay window; returns how many rows went."""
        result = self.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - REPLAY_WINDOW))
        return result.rowcount or 0
