"""The API reference at / in a real headless Chromium: it renders and asks no other host for anything.

Uses the system browser (Debian's `chromium` and `chromium-driver`, which .ci/run installs);
skipped only where they are missing outside CI.
"""

import json
import os
import shutil
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        pytest.fail("CI must install chromium and chromium-driver (.ci/run does)", pytrace=False)
    pytest.skip("chromium and chromedriver are not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# An operation's summary from the schema: ReDoc renders it only after loading and parsing /schema/.
OPERATION_TITLE = "Publish a resource"
RENDER_TIMEOUT_SECONDS = 60


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    # Chromium's own background traffic (updates, safe browsing) is not the page's.
    options.add_argument("--disable-background-networking")
    options.add_argument("--disable-component-update")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def network_events(driver) -> list[dict]:
    """DevTools Network.* events recorded since the last call."""
    events = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"].startswith("Network."):
            events.append(message)
    return events


def requests_to_other_hosts(events: list[dict], own_host: str) -> tuple[list[str], list[str]]:
    """(sent, refused): requests to another host that left the browser, and those its CSP refused."""
    urls = {}
    for event in events:
        if event["method"] == "Network.requestWillBeSent":
            url = event["params"]["request"]["url"]
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != own_host:
                urls[event["params"]["requestId"]] = url
    refused = {
        event["params"]["requestId"]
        for event in events
        if event["method"] == "Network.loadingFailed" and event["params"].get("blockedReason") == "csp"
    }
    sent = [url for request_id, url in urls.items() if request_id not in refused]
    return sent, [url for request_id, url in urls.items() if request_id in refused]


@pytest.mark.django_db(transaction=True)
def test_the_api_reference_renders_and_requests_nothing_from_another_host(browser, live_server):
    browser.get(live_server.url + "/")
    WebDriverWait(browser, RENDER_TIMEOUT_SECONDS).until(
        expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "body"), OPERATION_TITLE)
    )
    events = network_events(browser)
    requested = [
        event["params"]["request"]["url"] for event in events if event["method"] == "Network.requestWillBeSent"
    ]
    assert any(urlsplit(url).path == "/schema/" for url in requested), requested
    sent, refused = requests_to_other_hosts(events, urlsplit(live_server.url).netloc)
    assert sent == [], f"the page reached another host: {sent}"
    # ReDoc's side-menu credit asks for Redocly's logo; the page's CSP refuses it in the browser.
    assert all(urlsplit(url).netloc == "cdn.redoc.ly" for url in refused), refused
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert all("cdn.redoc.ly" in message for message in errors), errors
