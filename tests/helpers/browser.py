"""Open a local HTML file in Debian's headless Chromium (playwright) and read it back: the width of
every figure's SVG, the console errors, the URLs requested, and any extra selector queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-quic"]


@dataclass
class Rendered:
    figure_widths: list[float]
    errors: list[str]
    requests: list[str]
    queries: dict[str, list] = field(default_factory=dict)


def render(page_file: Path, **queries: tuple[str, str]) -> Rendered:
    """``queries``: name -> (CSS selector, JS function of the matched elements)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        page = browser.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(page_file.as_uri())
        widths = page.eval_on_selector_all("figure svg",
                                           "els => els.map(e => e.getBoundingClientRect().width)")
        got = {name: page.eval_on_selector_all(sel, js) for name, (sel, js) in queries.items()}
        browser.close()
    return Rendered(widths, errors, requests, got)
