"""Schema-driven fuzzing: requests generated from /api/v1/openapi.json, sent to the real app.

Every operation of every role gets a bounded number of generated requests, valid ones
and invalid ones, sent with a token of that role. No answer may be a 500, and every
answer must conform to the document: a documented status, content type, headers, body.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.api_support import ROLE_OF

EXAMPLES_PER_OPERATION = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,  # the same requests on every run: a CI failure is reproducible
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    report_multiple_bugs=False,
)


@pytest.mark.parametrize(
    "mode, in_scope",
    [(GenerationMode.POSITIVE, False), (GenerationMode.NEGATIVE, False), (GenerationMode.POSITIVE, True)],
    ids=["valid", "invalid", "valid-in-scope"],
)
def test_generated_requests_conform_to_the_document(app, marketplace, threads, tokens, mode, in_scope):
    """Random ids mostly find nothing (404); the in-scope run aims at conversations the caller sees."""
    bearer = {
        ROLE_OF[principal.type]: f"Bearer {tokens.issue(principal).token}"
        for principal in (marketplace.admin, marketplace.staff_a, marketplace.customer_a)
    }
    # A server error must come back as a response for the checks to judge, not as an exception.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 1 + 3 * 12  # the token endpoint and twelve per role (live events included)
    # The live event stream stays open; here it ends after its replay so each case gets its whole answer.
    app.config["LIVE_STREAM_MAX_SECONDS"] = 0

    attachment_id = threads["vendor_customer"].messages[0].attachments[0].id
    visible = {"admin": threads["admin_customer"].id, "vendor": threads["vendor_customer"].id,
               "shop": threads["vendor_customer"].id}

    sent = 0
    for operation in operations:
        role = operation.path.split("/")[3]  # /api/v1/<role>/messages...
        headers = {"Authorization": bearer[role]} if role in bearer else {}
        path_parameters = {}
        if in_scope and "{conversation_id}" in operation.path:
            path_parameters["conversation_id"] = visible[role]
        if in_scope and "{attachment_id}" in operation.path:
            path_parameters["attachment_id"] = attachment_id

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None))
        def exercise(case):
            nonlocal sent
            sent += 1
            case.call_and_validate(headers=headers, checks=CHECKS)  # noqa: B023 (run before the loop moves on)

        exercise()
    assert sent >= len(operations)
