"""Idempotency keys: a retried create or send returns the first answer and stores nothing new.

The key is claimed (a row inserted and committed) before the request runs, so of two
concurrent retries only one runs; the other is told the first is still in progress.
The answer is recorded when the request succeeds. A refused request releases the key,
so the client can correct the request and try again with the same key.

MessagingService commits its own transaction, so the answer is recorded in a second
one. Should the process die between the two, the claim stays pending: retries get 409
until ``ABANDONED_CLAIM_AGE`` has passed and then run again, the one case in which a
retry can store a second message.
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
# A claim older than this never completed (its worker died): let a retry take it over.
ABANDONED_CLAIM_AGE = timedelta(minutes=5)


class InvalidIdempotencyKey(MessagingError):
    status = 400
    code = "invalid_idempotency_key"

    def __init__(self):
        super().__init__(
            f"Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters.",
            fields={"Idempotency-Key": "Invalid."},
        )


class IdempotencyKeyReused(MessagingError):
    status = 422
    code = "idempotency_key_reused"

    def __init__(self):
        super().__init__("This Idempotency-Key was already used for a different request.")


class IdempotentRequestInProgress(MessagingError):
    status = 409
    code = "idempotency_key_in_progress"

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
        claim_id, recorded = self._claim(principal, key, fingerprint)
        if recorded is not None:
            return IdempotentOutcome(recorded, replayed=True)
        try:
            response = action()
        except BaseException:
            self.session.rollback()
            self._release(claim_id)
            raise
        self._record(claim_id, response)
        return IdempotentOutcome(response, replayed=False)

    def _claim(self, principal: Principal, key: str, fingerprint: str, *, attempts: int = 2):
        now = utcnow()
        row = self._find(principal, key)
        if row is not None and self._stale(row, now):
            self.session.delete(row)
            self.session.commit()
            row = None
        if row is not None:
            if row.request_fingerprint != fingerprint:
                raise IdempotencyKeyReused()
            if row.response_status is None:
                raise IdempotentRequestInProgress()
            return row.id, RecordedResponse(row.response_status, row.response_body or "")
        claim = IdempotencyKey(
            principal_type=principal.type.value,
            principal_id=principal.id,
            key=key,
            request_fingerprint=fingerprint,
            created_at=now,
        )
        self.session.add(claim)
        try:
            self.session.commit()
        except IntegrityError:
            # Another request claimed the same key between our look-up and insert.
            self.session.rollback()
            if attempts <= 1:
                raise IdempotentRequestInProgress() from None
            return self._claim(principal, key, fingerprint, attempts=attempts - 1)
        return claim.id, None

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
        if row.response_status is None:
            return row.created_at < now - ABANDONED_CLAIM_AGE
        return row.created_at < now - REPLAY_WINDOW

    def _record(self, claim_id: int, response: RecordedResponse) -> None:
        row = self.session.get(IdempotencyKey, claim_id)
        row.response_status = response.status
        row.response_body = response.body
        row.completed_at = utcnow()
        self.session.commit()

    def _release(self, claim_id: int) -> None:
        self.session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))
        self.session.commit()

    def purge_expired(self) -> int:
        """Forget answers older than the replay window; returns how many rows went."""
        result = self.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - REPLAY_WINDOW))
        self.session.commit()
        return result.rowcount or 0
