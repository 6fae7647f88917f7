"""The accounts CLI, the demo loader and sign-in rules shared by every front end."""
import pytest
from sqlalchemy import func, select

from messaging.extensions import db
from messaging.models import Conversation, Customer, ParticipantType, User, Vendor
from messaging.services import accounts
from messaging.services.accounts import AuthenticationFailed, VendorChoiceRequired
from tests.factories import PASSWORD


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_cli_creates_every_kind_of_account(app):
    assert run(app, "accounts", "create-admin", "Boss@Example.com", "--name", "Boss", "--password", "long-password").exit_code == 0
    assert run(app, "accounts", "create-vendor", "corner-shop", "--name", "Corner Shop").exit_code == 0
    result = run(app, "accounts", "create-vendor-user", "clerk@example.com", "--vendor", "corner-shop", "--name", "Clerk", "--password", "long-password")
    assert result.exit_code == 0, result.output
    result = run(app, "accounts", "create-customer", "buyer@example.com", "--vendor", "corner-shop", "--name", "Buyer", "--password", "long-password")
    assert result.exit_code == 0, result.output
    boss = db.session.scalar(select(User).where(User.email == "boss@example.com"))
    assert boss.is_admin and boss.check_password("long-password")
    assert accounts.authenticate_customer("buyer@example.com", "long-password", "corner-shop").principal.type == ParticipantType.CUSTOMER


@pytest.mark.parametrize(
    "args, message",
    [
        (("accounts", "create-vendor-user", "x@example.com", "--vendor", "nope", "--name", "X", "--password", "long-password"), "No vendor with code nope"),
        (("accounts", "create-admin", "not-an-email", "--name", "X", "--password", "long-password"), "not an email"),
        (("accounts", "create-admin", "x@example.com", "--name", "X", "--password", "short"), "at least 8"),
    ],
)
def test_cli_explains_refusals(app, args, message):
    result = run(app, *args)
    assert result.exit_code != 0
    assert message in result.output


def test_cli_refuses_duplicates(app):
    run(app, "accounts", "create-vendor", "dup", "--name", "Dup")
    result = run(app, "accounts", "create-vendor", "dup", "--name", "Dup again")
    assert result.exit_code != 0 and "already exists" in result.output


def test_demo_is_idempotent_and_covers_every_channel(app):
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    def counts():
        return [db.session.scalar(select(func.count()).select_from(model)) for model in (User, Vendor, Customer, Conversation)]

    after_first = counts()
    second = run(app, "demo")
    assert "nothing to do" in second.output
    assert counts() == after_first
    assert after_first[0] >= 2 + 4 and after_first[1] == 2 and after_first[2] == 6
    types = set(db.session.scalars(select(Conversation.conversation_type)))
    assert {t.value for t in types} == {"admin_vendor", "vendor_customer", "admin_customer"}
    assert db.session.scalar(select(func.count()).select_from(Conversation).where(Conversation.status == "closed")) >= 1


def test_staff_sign_in_rules(marketplace):
    assert accounts.authenticate_staff("admin@test.example", PASSWORD).principal.type == ParticipantType.ADMIN
    assert accounts.authenticate_staff("STAFF@a.example ", PASSWORD).principal.vendor_id == marketplace.vendor_a.id
    with pytest.raises(VendorChoiceRequired) as choose:
        accounts.authenticate_staff("multi@example", PASSWORD)
    assert {v.code for v in choose.value.vendors} == {"shop-a", "shop-b"}
    assert accounts.authenticate_staff("multi@example", PASSWORD, "shop-b").principal.vendor_id == marketplace.vendor_b.id
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_staff("staff@a.example", PASSWORD, "shop-b")
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_staff("staff@a.example", "wrong")


def test_customers_sign_in_per_shop(marketplace):
    at_a = accounts.authenticate_customer("cust@example", PASSWORD, "shop-a").principal
    at_b = accounts.authenticate_customer("cust@example", PASSWORD, "shop-b").principal
    assert at_a.id != at_b.id and at_a.vendor_id == marketplace.vendor_a.id
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_customer("cust2@example", PASSWORD, "shop-b")


def test_deactivated_accounts_can_neither_sign_in_nor_keep_acting(marketplace):
    user = db.session.get(User, marketplace.staff_a.id)
    user.is_active = False
    db.session.commit()
    with pytest.raises(AuthenticationFailed):
        accounts.authenticate_staff("staff@a.example", PASSWORD)
    multi = db.session.get(User, marketplace.multi_in_a.id)
    assert accounts.restore_session_principal("vendor", user.id, marketplace.vendor_a.id, user.session_version) is None
    assert accounts.restore_session_principal("vendor", multi.id, marketplace.vendor_a.id, multi.session_version) is not None
    assert accounts.restore_session_principal("admin", multi.id, None, multi.session_version) is None  # not an admin
    # a session issued before the account's sessions were ended
    assert accounts.restore_session_principal("vendor", multi.id, marketplace.vendor_a.id, multi.session_version - 1) is None


def test_analyze_gathers_planner_statistics(app):
    run(app, "demo")
    result = run(app, "analyze")
    assert result.exit_code == 0, result.output
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(db.text("SELECT count(*) FROM sqlite_stat1")).scalar() > 0
