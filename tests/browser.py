"""What the browser tests share: Debian's Chromium driven by Playwright, logged-in contexts, screenshots.

Playwright's own browser download is never used: Chromium is the system's (/usr/bin/chromium).
Screenshots go to tests/artifacts/ (not committed): each page at phone and desktop widths.
"""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, BrowserContext, Page

from tests.helpers import login
from tests.stack import REPO, Stack

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "tests" / "artifacts"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
         "--mute-audio"]


def launch(playwright) -> Browser:
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


def new_user(stack: Stack, role: str, lead_id: int | None = None) -> tuple[int, str, str]:
    """A new WordPress user of ``role`` (with a lead, if given): (id, login, password)."""
    name = f"{role[:4]}{uuid.uuid4().hex[:8]}"
    password = f"pass-{name}"
    user_id = stack.wp_eval(f"""
        $id = wp_insert_user( array( 'user_login' => '{name}', 'user_pass' => '{password}',
                                     'user_email' => '{name}@example.test', 'role' => '{role}' ) );
        if ( {lead_id or 0} ) {{ update_user_meta( $id, 'lead_id', {lead_id or 0} ); }}
        return $id;""")
    return user_id, name, password


def context_as(stack: Stack, browser: Browser, user: str | None = None, password: str | None = None,
               viewport: dict = DESKTOP) -> BrowserContext:
    """A browser context of its own (cookies, storage), logged in as ``user`` or a guest."""
    # From an address of its own (the test site trusts X-Forwarded-For): the lead form's per-IP limit
    # counts each context apart, as it would real visitors.
    context = browser.new_context(viewport=viewport, locale="ru-RU", extra_http_headers={
        "X-Forwarded-For": f"2001:db8:{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}::1"})
    context.set_default_timeout(15000)
    if user:
        session = login(stack.site_url, user, password)
        context.add_cookies([{"name": c.name, "value": c.value, "url": stack.site_url} for c in session.cookies])
    return context


def shoot(page: Page, name: str) -> None:
    """Full-page screenshot in tests/artifacts/ at the page's current width."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(ARTIFACTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name)}-{width}.png"), full_page=True)


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the viewport (0: no horizontal scroll)."""
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
                         " - document.documentElement.clientWidth")


def at_both_widths(stack: Stack, browser: Browser, path: str, name: str, user: str | None = None,
                   password: str | None = None) -> None:
    """Opens ``path`` at phone and desktop widths: screenshots, and no horizontal scroll on the phone."""
    for viewport in (PHONE, DESKTOP):
        context = context_as(stack, browser, user, password, viewport)
        try:
            page = context.new_page()
            page.goto(stack.site_url + path)
            page.wait_for_load_state("load")
            page.wait_for_timeout(300)
            shoot(page, name)
            if viewport is PHONE:
                assert horizontal_overflow(page) <= 0, f"{path} scrolls sideways at 375 px"
        finally:
            context.close()
