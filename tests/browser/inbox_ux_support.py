"""Set-ups shared by the inbox-ux browser tests: long threads, older message dates, strict axe."""
from datetime import timedelta

from sqlalchemy import select, update

from messaging.clock import utcnow
from messaging.extensions import db
from messaging.models import ConversationType, Message
from messaging.services import messaging_service
from messaging.unit_of_work import committed
from tests.browser.browser_support import SCREENSHOTS, Backstage, accessibility_problems

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def long_thread(live_server, subject: str, count: int = 120, unread: int = 5) -> int:
    """Gina (Green Grocer) and Chris: ``count`` messages over three days, the last ``unread`` of
    them from Gina and not yet read by Chris; Gina has read everything."""
    backstage = Backstage(live_server)
    gina = backstage.staff("gina@greengrocer.test")
    chris = backstage.customer("chris@example.test", "green-grocer")
    with live_server.app.app_context(), committed():
        service = messaging_service()
        detail = service.create_conversation(
            gina, conversation_type=ConversationType.VENDOR_CUSTOMER, subject=subject,
            recipient_type=chris.type, recipient_id=chris.id, vendor_id=chris.vendor_id,
            initial_message="Message 1",
        )
        for number in range(2, count + 1):
            sender = gina if number > count - unread or number % 2 else chris
            service.send_message(sender, detail.id, f"Message {number}")
            if number == count - unread:
                service.mark_conversation_read(chris, detail.id)
        service.mark_conversation_read(gina, detail.id)
        # Spread the thread over three days (two days ago, yesterday, today) for the day separators.
        messages = db.session.scalars(
            select(Message.id).where(Message.conversation_id == detail.id).order_by(Message.id)
        ).all()
        now = utcnow()
        for index, message_id in enumerate(messages):
            days_back = 2 if index < count // 3 else 1 if index < 2 * count // 3 else 0
            moment = now - timedelta(days=days_back, minutes=count - index)
            db.session.execute(update(Message).where(Message.id == message_id).values(created_at=moment))
        db.session.commit()
        return detail.id


def strict_screenshot(page, name: str, full_page: bool = False) -> None:
    """A screenshot that axe must pass with no finding at all (any impact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": Playwright hides the caret with a style that the page's CSP then reports
    # as a console error at htmx's next swap of a focused field.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page, caret="initial")
    problems = accessibility_problems(page, impacts=None)
    assert not problems, f"Accessibility problems on {name}:\n" + "\n".join(problems)


def in_viewport(page, selector: str) -> bool:
    """Whether the element is on screen: inside the window and inside every scrolling box around it."""
    return page.evaluate(
        """(selector) => {
            const element = document.querySelector(selector);
            if (!element) return false;
            let rect = element.getBoundingClientRect();
            if (rect.bottom <= 0 || rect.top >= window.innerHeight) return false;
            for (let box = element.parentElement; box; box = box.parentElement) {
                const style = getComputedStyle(box);
                if (!/(auto|scroll|hidden)/.test(style.overflowY)) continue;
                const outer = box.getBoundingClientRect();
                if (rect.bottom <= outer.top || rect.top >= outer.bottom) return false;
            }
            return true;
        }""",
        selector,
    )
