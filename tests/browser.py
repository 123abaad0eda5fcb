"""Headless Chromium for the browser tests: Debian's chromium and chromium-driver, driven by selenium."""

import shutil
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def start_chromium(profile: Path, extra_flags: tuple[str, ...] = (), console: bool = False):
    """A Chromium session with its own profile directory; ``console`` keeps the console log readable."""
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver):
        pytest.fail("Debian chromium and chromium-driver are required (make browser-deps)")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in [*CHROMIUM_FLAGS, *extra_flags, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    if console:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP refusals are logged there
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def csp_refusals(browser) -> list[str]:
    """The console's Content Security Policy refusals since the last call (reading the log clears it)."""
    return [e["message"] for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
