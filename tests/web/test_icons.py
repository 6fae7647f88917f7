"""The ``icon`` global draws each icon once from partials/_icons.html: the same SVG the macro gives."""
from messaging.web.icons import ICONS_TEMPLATE, icon


def test_icon_is_the_macros_svg(app):
    macro = app.jinja_env.get_template(ICONS_TEMPLATE).module.icon
    for name in ("messages", "paperclip", "file", "plus", "back", "user"):
        drawn = icon(name)
        assert drawn == macro(name) and drawn.startswith('<svg class="icon" aria-hidden="true"')
        assert icon(name) is drawn  # drawn once


def test_pages_show_the_icons(vendor_client):
    page = vendor_client.get("/vendor/messages").get_data(as_text=True)
    assert page.count('<svg class="icon" aria-hidden="true"') >= 2  # the header's messages link, compose's plus
