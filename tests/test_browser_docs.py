"""The reference page as a reader sees it: headless Chromium opens /docs on the local server,
which serves the page, its script, its style sheet and the document itself (the browser may
reach nothing else), and the Contacts operations are listed. A screenshot is left in the
test's temporary folder."""
import pytest

from tests.browsers import chromium, chromium_available
from tests.servers import Server

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not chromium_available(), reason="needs Debian's chromium and chromium-driver")]


@pytest.fixture(autouse=True)
def aws():
    """The API runs in its own process here."""
    yield


def test_the_reference_page_renders_offline(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    api = Server(tmp_path / "store.json")
    try:
        with chromium() as browser:
            browser.get(f"http://127.0.0.1:{api.port}/docs")
            WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.CSS_SELECTOR, ".opblock-tag"))
            tags = [e.text.split("\n")[0] for e in browser.find_elements(By.CSS_SELECTOR, ".opblock-tag")]
            assert "Contacts" in tags and "Deals" in tags
            summaries = [e.get_attribute("textContent") for e in
                         browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-description")]
            assert "List contacts" in summaries and "Create a contact" in summaries
            assert "Contacts CRM API" in browser.find_element(By.CSS_SELECTOR, ".info .title").text
            # Only what the API served: the page, its two assets and the document.
            loaded = browser.execute_script(
                "return performance.getEntriesByType('resource').map(e => e.name)")
            assert all(url.startswith(f"http://127.0.0.1:{api.port}/") for url in loaded), loaded
            shot = tmp_path / "docs.png"
            browser.save_screenshot(str(shot))
            assert shot.stat().st_size > 10_000
    finally:
        api.stop()
