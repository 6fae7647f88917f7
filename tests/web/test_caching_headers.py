"""Nothing personal is cached (issue 8, item 8): pages, fragments and API JSON say no-store; API JSON nosniff."""
from messaging.services.api_tokens import ApiTokens
from tests.web.page_support import ROLE_PREFIX


def test_signed_in_pages_and_fragments_are_not_stored(signed_in):
    urls = [signed_in.url(), signed_in.url(f"/{signed_in.conversation_id}")]
    for url in urls:
        for headers in ({}, {"HX-Request": "true"}):
            response = signed_in.client.get(url, headers=headers)
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-store", (url, headers)


def test_sign_in_pages_and_redirects_are_not_stored(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    assert client.get(ROLE_PREFIX["admin"]).headers["Cache-Control"] == "no-store"


def test_api_json_is_not_stored_nor_sniffed(app, marketplace, client):
    token = ApiTokens(app.config["SECRET_KEY"], 60).issue(marketplace.admin).token
    for response in (
        client.get("/api/v1/admin/messages", headers={"Authorization": f"Bearer {token}"}),
        client.get("/api/v1/admin/messages"),  # the 401 envelope too
        client.get("/api/v1/nowhere"),
    ):
        assert response.mimetype == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_static_files_are_left_alone(app, client):
    static = client.get("/static/css/app.css")
    assert static.status_code == 200
    assert static.headers.get("Cache-Control") != "no-store"
