"""Migration 0012 copies each conversation's shop onto its participant rows, which a staff member's
badge counts by (messaging/services/conversations/queries.py): existing rows are filled in on upgrade."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from messaging import create_app
from messaging.extensions import db
from messaging.models import ConversationType
from messaging.services import messaging_service
from messaging.services.platform_settings import ensure_default_settings
from tests.factories import build_marketplace, start
from tests.postgres_databases import empty_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with empty_database(request.param, "participant_vendor_migration_test", tmp_path) as url:
        yield url


def test_existing_rows_get_their_conversations_shop_and_badges_count_as_before(database_url, tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": database_url, "ATTACHMENT_ROOT": str(tmp_path)})
    with app.app_context():
        upgrade()
        ensure_default_settings()
        m = build_marketplace()
        service = messaging_service()
        for staff, customer in ((m.staff_a, m.customer_a), (m.staff_b, m.customer_b)):
            thread = start(service, staff, ConversationType.VENDOR_CUSTOMER, customer, "Delivery")
            service.send_message(customer, thread.id, "Where is it?")
        start(service, m.admin, ConversationType.ADMIN_VENDOR, m.staff_a, "Fees")
        db.session.commit()
        badges = {staff: service.get_unread_count(staff) for staff in (m.staff_a, m.staff_b)}
        assert badges == {m.staff_a: 2, m.staff_b: 1}
        db.session.remove()

        downgrade(revision="0011_search_chunks")
        upgrade()
        with db.engine.connect() as connection:
            mismatched = connection.execute(text(
                "SELECT count(*) FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id "
                "WHERE p.vendor_id IS NULL AND c.vendor_id IS NOT NULL OR p.vendor_id <> c.vendor_id")).scalar()
        assert mismatched == 0
        assert {staff: service.get_unread_count(staff) for staff in (m.staff_a, m.staff_b)} == badges
        db.session.remove()
        db.engine.dispose()
