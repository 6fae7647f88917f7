"""The OpenAPI document lists exactly the specification's endpoints, per role, with their real answers."""
ROLES = ("admin", "vendor", "shop")
# decisions §5: the specification's tables, with attachment downloads for every role
OPERATIONS = {
    ("get", ""), ("post", ""), ("get", "/unread-count"), ("get", "/recipients"),
    ("get", "/{conversation_id}"), ("post", "/{conversation_id}/messages"),
    ("post", "/{conversation_id}/close"), ("post", "/{conversation_id}/reopen"),
    ("put", "/{conversation_id}/read"), ("put", "/{conversation_id}/preferences"),
    ("get", "/{conversation_id}/attachments/{attachment_id}"),
    # decisions §7: escalation (customers and vendor staff) and resolving (admins); others get 403
    ("post", "/{conversation_id}/escalate"), ("post", "/{conversation_id}/resolve"),
    ("get", "/events"),  # issue 10: live events (Server-Sent Events)
}
# issue 13: the admins' messaging settings
SETTINGS_OPERATIONS = {("get", "/api/v1/admin/settings/messaging"), ("put", "/api/v1/admin/settings/messaging")}
SHAPES = {
    "Participant": {"type", "id", "name"},
    "AttachmentResponse": {"id", "filename", "content_type", "size_bytes", "is_image", "download_url"},
    "MessageResponse": {"id", "conversation_id", "sender", "content", "is_system_message", "created_at", "attachments"},
    "ConversationListResponse": {"items", "total", "total_is_exact", "page", "per_page", "pages"},
    "UnreadCountResponse": {"total_unread"},
    "ConversationCreate": {"conversation_type", "subject", "recipient_type", "recipient_id", "vendor_id",
                           "initial_message", "context_type", "context_ref", "context_label"},
    "ConversationContext": {"type", "ref", "label", "url"},
    "Escalation": {"escalated_by", "escalated_at", "reason", "resolved_by", "resolved_at"},
    "Escalate": {"reason"},
    "MessagingSettingsUpdate": {"attachment_max_size_mb", "customers_can_start"},
    "MessagingSettingsResponse": {"attachment_max_size_mb", "customers_can_start", "changes"},
    "TokenResponse": {"token", "expires_at", "principal"},
    "ErrorEnvelope": {"error"},
    "ErrorBody": {"code", "message", "fields"},
}


def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_paths_are_the_specification_tables_for_each_role(client):
    doc = document(client)
    assert doc["openapi"].startswith("3.")
    operations = {(method, path) for path, item in doc["paths"].items() for method in item if method != "parameters"}
    expected = {("post", "/api/v1/auth/token"), ("post", "/api/v1/auth/revoke")} | SETTINGS_OPERATIONS | {
        (method, f"/api/v1/{role}/messages{suffix}") for role in ROLES for method, suffix in OPERATIONS
    }
    assert operations == expected


def test_shapes_carry_the_specification_names(client):
    schemas = document(client)["components"]["schemas"]
    for name, fields in SHAPES.items():
        assert set(schemas[name]["properties"]) == fields, name
    detail = set(schemas["ConversationDetailResponse"]["properties"])
    summary = set(schemas["ConversationSummary"]["properties"])
    assert detail - summary == {"messages", "has_more_messages", "email_notifications", "can_reply", "can_close",
                                "can_escalate", "can_resolve"}
    assert {"context", "is_escalated", "escalation"} <= summary


def test_every_message_operation_needs_a_bearer_token_and_documents_401(client):
    doc = document(client)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert doc["security"] == [{"bearerAuth": []}]
    assert doc["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method != "parameters" and "/messages" in path:
                assert "401" in operation["responses"], (method, path)


def test_send_accepts_json_and_multipart_and_create_and_send_take_an_idempotency_key(client):
    paths = document(client)["paths"]
    send = paths["/api/v1/shop/messages/{conversation_id}/messages"]["post"]
    assert set(send["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    create = paths["/api/v1/vendor/messages"]["post"]
    for operation in (send, create):
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])


def test_error_responses_use_the_envelope(client):
    responses = document(client)["components"]["responses"]
    for name in ("UNAUTHORIZED", "NOT_FOUND", "UNPROCESSABLE_ENTITY", "CONFLICT"):
        schema = responses[name]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}
