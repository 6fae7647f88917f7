"""Every page at desktop and phone width, saved to tests/screenshots/ to look at; no console errors on any."""
import pytest
from playwright.sync_api import expect

from tests.browser.browser_support import DESKTOP, PHONE, Backstage, screenshot, sign_in_customer, sign_in_staff

VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}


@pytest.fixture(params=list(VIEWPORTS))
def width(request):
    return request.param


def test_sign_in_and_error_pages(open_session, width):
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    page.goto("/login")
    screenshot(page, f"sign-in-staff-{width}")
    page.goto("/shop/login")
    screenshot(page, f"sign-in-shop-{width}")
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill("sam@marketplace-partners.test")
    page.get_by_label("Password", exact=True).fill("demo-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Which shop are you working for?")).to_be_visible()
    screenshot(page, f"sign-in-choose-vendor-{width}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Acting for")).to_be_visible()
    screenshot(page, f"vendor-switcher-{width}")


def test_admin_pages(open_session, live_server, width):
    backstage = Backstage(live_server)
    session = open_session(viewport=VIEWPORTS[width])
    session.expected_errors.append("status of 404")
    page = session.new_page()
    sign_in_staff(page, "admin@marketplace.test")
    screenshot(page, f"admin-messages-{width}")
    page.goto(f"/admin/messages/{backstage.conversation_id('Commission rates for the spring season')}")
    screenshot(page, f"admin-thread-{width}")
    page.goto(f"/admin/messages/{backstage.conversation_id('Product photos need a white background')}")
    expect(page.locator("img.attachment__thumb").first).to_have_js_property("complete", True)
    screenshot(page, f"admin-thread-closed-with-image-{width}")
    page.goto("/admin/messages")
    page.get_by_role("link", name="New conversation").click()
    expect(page.locator("dialog#compose-dialog")).to_be_visible()
    screenshot(page, f"admin-compose-modal-{width}", full_page=False)
    page.goto("/admin/messages/new")
    screenshot(page, f"admin-compose-page-{width}")
    page.goto("/admin/messages/999999")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    screenshot(page, f"not-found-{width}")


def test_vendor_pages(open_session, live_server, width):
    backstage = Backstage(live_server)
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_staff(page, "gina@greengrocer.test")
    screenshot(page, f"vendor-messages-{width}")
    page.goto(f"/vendor/messages/{backstage.conversation_id('Where is my order #1042?')}")
    screenshot(page, f"vendor-thread-{width}")


def test_shop_pages(open_session, live_server, width):
    backstage = Backstage(live_server)
    page = open_session(viewport=VIEWPORTS[width]).new_page()
    sign_in_customer(page, "carol@example.test", "Green Grocer")
    screenshot(page, f"shop-account-{width}")
    page.goto("/shop/account/messages")
    screenshot(page, f"shop-messages-{width}")
    page.goto(f"/shop/account/messages/{backstage.conversation_id('Where is my order #1042?')}")
    screenshot(page, f"shop-thread-{width}")
