"""Lengths are checked after trimming, on the API as on the pages (issue 8, item 9; decisions §3)."""
from messaging.models.conversation import SUBJECT_MAX_LENGTH
from messaging.services.conversations.validation import CONTENT_MAX_LENGTH, SEARCH_MAX_LENGTH
from tests.api.api_support import error_of


def test_a_full_length_message_with_surrounding_spaces_is_accepted_trimmed(caller, marketplace, threads):
    text = "x" * CONTENT_MAX_LENGTH
    response = caller(marketplace.staff_a).post(f"/{threads['vendor_customer'].id}/messages",
                                                json={"content": f"  \n{text}\n  "})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content"] == text


def test_one_character_too_many_after_trimming_is_refused(caller, marketplace, threads):
    response = caller(marketplace.staff_a).post(f"/{threads['vendor_customer'].id}/messages",
                                                json={"content": " " + "x" * (CONTENT_MAX_LENGTH + 1) + " "})
    assert response.status_code == 422
    assert "content" in error_of(response)["fields"]


def test_subject_and_first_message_are_trimmed_before_their_limits(caller, marketplace):
    response = caller(marketplace.staff_a).post("", json={
        "conversation_type": "vendor_customer", "subject": "   " + "s" * SUBJECT_MAX_LENGTH + "   ",
        "recipient_type": "customer", "recipient_id": marketplace.customer_a.id,
        "initial_message": "\t" + "m" * CONTENT_MAX_LENGTH + "\n",
    })
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["subject"] == "s" * SUBJECT_MAX_LENGTH
    blank = caller(marketplace.staff_a).post("", json={
        "conversation_type": "vendor_customer", "subject": "    ", "recipient_type": "customer",
        "recipient_id": marketplace.customer_a.id, "initial_message": "hi"})
    assert blank.status_code == 422 and "subject" in error_of(blank)["fields"]


def test_search_is_trimmed_before_its_limit(caller, marketplace, threads):
    padded = "  " + "o" * SEARCH_MAX_LENGTH + "  "
    assert caller(marketplace.staff_a).get("", query_string={"q": padded}).status_code == 200
    assert caller(marketplace.staff_a).get("/recipients", query_string={"type": "customer", "q": padded}).status_code == 200
