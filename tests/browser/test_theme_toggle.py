"""The colour-scheme toggle, its contract with the comment widgets, and the Web Share button."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLE_ARTICLE

ARTICLE = SAMPLE_ARTICLE.removesuffix("index.html")
LIGHT_BG = "rgb(250, 249, 246)"
DARK_BG = "rgb(18, 21, 24)"
RECORD_EVENTS = """
window.themeEvents = [];
document.addEventListener("commons:themechange", e => window.themeEvents.push(e.detail.theme));
"""


@pytest.fixture
def site(built_site, served_site):
    return served_site(built_site)


def open_page(chromium, url, **options):
    context = chromium.new_context(**options)
    page = context.new_page()
    page.add_init_script(RECORD_EVENTS)
    page.goto(url, wait_until="load")
    return context, page


def state(page) -> dict:
    return page.evaluate(
        """() => ({
            theme: document.documentElement.dataset.theme || null,
            pressed: document.querySelector("[data-theme-toggle]").getAttribute("aria-pressed"),
            background: getComputedStyle(document.body).backgroundColor,
            stored: localStorage.getItem("commons-theme"),
            events: window.themeEvents,
        })"""
    )


def test_toggle_switches_remembers_and_announces(chromium, site):
    context, page = open_page(chromium, site.url + ARTICLE, color_scheme="light")
    try:
        toggle = page.locator("[data-theme-toggle]")
        assert toggle.is_visible()
        assert toggle.get_attribute("aria-pressed") == "false"
        # Its accessible name, as a screen reader announces it.
        assert page.get_by_role("button", name="Dark mode", exact=True).count() == 1
        assert page.get_by_role("button", name="Dark mode").get_attribute("data-theme-toggle") == ""
        assert state(page)["background"] == LIGHT_BG

        toggle.click()
        assert state(page) == {
            "theme": "dark",
            "pressed": "true",
            "background": DARK_BG,
            "stored": "dark",
            "events": ["dark"],
        }

        # Another page of the site opens dark, before any script of its own runs.
        page.goto(site.url, wait_until="load")
        assert state(page)["theme"] == "dark" and state(page)["background"] == DARK_BG
        assert state(page)["pressed"] == "true"

        # Back to light, which is the system's scheme: the site follows the system again.
        page.locator("[data-theme-toggle]").click()
        assert state(page) == {
            "theme": None,
            "pressed": "false",
            "background": LIGHT_BG,
            "stored": None,
            "events": ["light"],
        }
    finally:
        context.close()


def test_dark_system_scheme_is_followed_and_can_be_overridden(chromium, site):
    context, page = open_page(chromium, site.url + ARTICLE, color_scheme="dark")
    try:
        assert state(page)["background"] == DARK_BG
        assert state(page)["pressed"] == "true"
        page.locator("[data-theme-toggle]").click()
        after = state(page)
        assert (after["theme"], after["stored"], after["background"]) == (
            "light",
            "light",
            LIGHT_BG,
        )
        assert after["events"] == ["light"]
    finally:
        context.close()


def test_a_system_change_is_announced_when_no_choice_was_made(chromium, site):
    context, page = open_page(chromium, site.url + ARTICLE, color_scheme="light")
    try:
        page.emulate_media(color_scheme="dark")
        page.wait_for_function("window.themeEvents.length === 1")
        assert state(page)["events"] == ["dark"]
        assert state(page)["pressed"] == "true"
    finally:
        context.close()


def test_without_javascript_the_toggle_is_hidden_and_the_system_scheme_applies(chromium, site):
    context = chromium.new_context(java_script_enabled=False, color_scheme="dark")
    try:
        page = context.new_page()
        page.goto(site.url + ARTICLE)
        assert not page.locator("[data-theme-toggle]").is_visible()
        assert not page.locator("[data-share-native]").is_visible()
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK_BG
    finally:
        context.close()


def test_web_share_button_appears_only_with_navigator_share(chromium, site):
    context, page = open_page(chromium, site.url + ARTICLE)
    try:
        has_share = page.evaluate("'share' in navigator")
        assert page.locator("[data-share-native]").is_visible() == has_share
    finally:
        context.close()

    context = chromium.new_context()
    try:
        page = context.new_page()
        page.add_init_script(
            "navigator.share = data => { window.shared = data; return Promise.resolve(); };"
        )
        page.goto(site.url + ARTICLE, wait_until="load")
        button = page.locator("[data-share-native]")
        assert button.is_visible()
        button.click()
        shared = page.evaluate("window.shared")
        assert shared == {
            "title": "Sharing Your Work And (Co)Working To Share",
            "url": page.locator("link[rel=canonical]").get_attribute("href"),
        }
    finally:
        context.close()


def test_share_section_of_the_native_button_alone_shows_only_with_navigator_share(
    chromium, build, served_site
):
    site = served_site(build(overrides={"PAGE_META": {"share_networks": ["native"]}}))
    section = "section[aria-labelledby=share-heading]"
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.add_init_script("delete Navigator.prototype.share;")
        page.goto(site.url + ARTICLE, wait_until="load")
        assert not page.locator(section).is_visible()
        page = context.new_page()
        page.add_init_script("navigator.share = () => Promise.resolve();")
        page.goto(site.url + ARTICLE, wait_until="load")
        assert page.locator(section).is_visible()
        assert page.locator("[data-share-native]").is_visible()
    finally:
        context.close()


def test_focus_is_visible_on_links_and_buttons(chromium, site):
    context, page = open_page(chromium, site.url + ARTICLE)
    try:
        page.keyboard.press("Tab")
        skip = page.evaluate(
            """() => { const el = document.activeElement, style = getComputedStyle(el);
                return {text: el.textContent, outline: style.outlineStyle,
                        top: el.getBoundingClientRect().top}; }"""
        )
        assert skip["text"] == "Skip to content" and skip["top"] >= 0
        page.locator("[data-theme-toggle]").focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")
        outline = page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
        )
        assert outline[0] == "solid" and outline[1] >= 2
    finally:
        context.close()
