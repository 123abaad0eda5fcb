"""API documentation offline: Swagger UI and ReDoc from the installed package, no CDN, no inline script (the
application in process), rendered in headless Chromium that can resolve no host but the loopback (a started server)."""

import re

import pytest

from tests.browser import csp_refusals, start_chromium

OFFLINE_FLAGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=127.0.0.1:9"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_pages_load_only_their_own_scripts(shipped_client, page):
    response = shipped_client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
    assert scripts and all(body.strip() == "" for _, body in scripts)  # no inline script
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources)
    for source in sources:
        asset = shipped_client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 100, source


def test_assets_are_the_packaged_files(shipped_client):
    bundle = shipped_client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript") and b"SwaggerUIBundle" in bundle.content
    assert shipped_client.get("/docs/assets/..%2Fcore.py").status_code == 404
    assert shipped_client.get("/docs/assets/core.py").status_code == 404


@pytest.fixture(scope="module")
def offline_browser(tmp_path_factory):
    session = start_chromium(tmp_path_factory.mktemp("chromium"), OFFLINE_FLAGS, console=True)
    session.set_window_size(1280, 900)
    yield session
    session.quit()


@pytest.mark.browser
def test_swagger_ui_renders_the_operations_offline(offline_browser, server):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with pytest.raises(WebDriverException, match="ERR_"):  # nothing outside the loopback is reachable
        offline_browser.get("http://example.org/")
    offline_browser.get(server + "/docs")
    WebDriverWait(offline_browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".opblock"))
    paths = {e.text for e in offline_browser.find_elements(By.CSS_SELECTOR, ".opblock .opblock-summary-path")}
    assert {"/sparql", "/dataset", "/releases/{file}"} <= paths
    methods = {e.text for e in offline_browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-method")}
    assert {"GET", "POST"} <= methods
    assert csp_refusals(offline_browser) == []


@pytest.mark.browser
def test_redoc_renders_the_operations_offline(offline_browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    offline_browser.get(server + "/redoc")
    WebDriverWait(offline_browser, 30).until(lambda b: "/sparql" in b.find_element(By.TAG_NAME, "body").text)
    assert "tehkg" in offline_browser.find_element(By.TAG_NAME, "h1").text
    # ReDoc's footer logo is an image on its CDN, refused by img-src; no script or style of the page is refused
    assert [m for m in csp_refusals(offline_browser) if "cdn.redoc.ly/redoc/logo-mini.svg" not in m] == []
