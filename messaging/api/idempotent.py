"""The HTTP side of ``Idempotency-Key``: fingerprint the request, replay a recorded answer.

The fingerprint describes what was asked, not how it was encoded: the JSON body is
re-serialised with sorted keys, and a multipart body becomes its fields plus each
file's name and SHA-256, so the same request from another client library (other
boundary, other key order) still counts as a retry.
"""
import hashlib
import json
from collections.abc import Callable

from flask import Response, request

from messaging.extensions import db
from messaging.identity import Principal
from messaging.services.idempotency import IdempotencyService, RecordedResponse
from messaging.unit_of_work import commit_writes

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"


def request_fingerprint(principal: Principal) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    # A vendor user of two shops acting for the other shop is asking something else.
    digest.update(f"vendor={principal.vendor_id}\n".encode())
    if request.mimetype == "multipart/form-data":
        for name in sorted(request.form):
            for value in request.form.getlist(name):
                digest.update(json.dumps(["field", name, value]).encode())
        for name in sorted(request.files):
            for upload in request.files.getlist(name):
                content = upload.stream.read()
                upload.stream.seek(0)
                digest.update(json.dumps(["file", name, upload.filename, hashlib.sha256(content).hexdigest()]).encode())
    else:
        body = request.get_json(silent=True)
        digest.update(json.dumps(body, sort_keys=True, separators=(",", ":")).encode())
    return digest.hexdigest()


def respond_idempotently(principal: Principal, produce: Callable[[], RecordedResponse]) -> Response:
    """Run ``produce`` once per Idempotency-Key (when the client sent one) and answer its response."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return _committed(produce())
    outcome = IdempotencyService(db.session).run_once(principal, key, request_fingerprint(principal), produce)
    response = _committed(outcome.response)  # the write and its recorded answer, together
    if outcome.replayed:
        response.headers[REPLAY_HEADER] = "true"
    return response


def _committed(recorded: RecordedResponse) -> Response:
    """The answer, once what produced it is committed (an answer of success only: any other rolls back)."""
    if recorded.status < 400:
        commit_writes()
    return _as_response(recorded)


def _as_response(recorded: RecordedResponse) -> Response:
    return Response(recorded.body, status=recorded.status, mimetype="application/json")
