"""Debian Chromium through Playwright, and axe-core run inside the page (frontend.md)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def ensure_assets() -> None:
    """The pages need the compiled GOV.UK styles; build them once if `make` has not."""
    if (ROOT / "static" / "build" / "app.css").exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        skip_or_fail("the page styles need Node.js and npm to build (npm ci && npm run build)")
    for argv in ([npm, "ci", "--no-audit", "--no-fund"], [npm, "run", "build"]):
        subprocess.run(argv, cwd=ROOT, check=True, timeout=600)  # noqa: S603 - fixed npm commands


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        skip_or_fail("browser tests need Debian's package `chromium` (/usr/bin/chromium)")
    ensure_assets()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        # Every context any browser test opens collects CSP violations, and assert_accessible fails on them.
        open_context = launched.new_context

        def new_context(*args: Any, **kwargs: Any) -> Any:
            context = open_context(*args, **kwargs)
            context.csp_violations = watch_csp(context)
            return context

        launched.new_context = new_context
        try:
            yield launched
        finally:
            launched.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core in the page (injected by evaluate, which a strict CSP does not block)."""
    import axe_playwright_python

    script = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    page.evaluate(script)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return result["violations"]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    described = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
    ]
    assert violations == [], f"{page.url}: " + json.dumps(described, indent=2)
    assert_no_csp(page)


CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__ehssgCsp(JSON.stringify({directive: e.violatedDirective, blocked: e.blockedURI, url: document.URL,
                                    source: e.sourceFile, line: e.lineNumber, sample: e.sample}));
});
"""


def watch_csp(context: Any) -> list[str]:
    """Collect every Content Security Policy violation in a browser context, page after page.

    Two witnesses: the DOM's securitypolicyviolation events (reported through an exposed function, so they survive
    navigation) and Chromium's console lines "Refused to ...". The list is filled as pages load; see assert_no_csp.
    """
    seen: list[str] = []
    def report(text: str) -> None:
        seen.append(text)

    context.expose_function("__ehssgCsp", report)
    context.add_init_script(CSP_LISTENER)

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            seen.append(f"console: {text}")

    context.on("console", on_console)
    return seen


def assert_no_csp(page: Any) -> None:
    """No violation on this page so far (watch_csp must be set on its context)."""
    seen = getattr(page.context, "csp_violations", None)
    if seen is None:
        return
    # Events are delivered asynchronously: a round trip to the page lets any pending report arrive first.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
    assert seen == [], f"{page.url}: CSP violations: " + json.dumps(seen, indent=2)


def csp_context(browser: Any) -> Any:
    """A new browser context whose CSP violations are collected in context.csp_violations."""
    context = browser.new_context()
    if not hasattr(context, "csp_violations"):
        context.csp_violations = watch_csp(context)
    return context
