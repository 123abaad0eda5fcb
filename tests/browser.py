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
    # only the loopback is reachable: every other name resolves to nothing, every other address goes to a proxy
    # that does not exist (Chromium never sends loopback through a proxy)
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
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


def answer_rows(browser) -> list:
    """The rows of the query editor's answer once its run is done, in the table view (an answer may open as a chart)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 20).until(lambda b: b.find_element(By.ID, "status").get_attribute("data-state") == "done")
    [tab] = WebDriverWait(browser, 20).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#results .view-tabs [role=tab][data-view=table]")
    )
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    return browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
