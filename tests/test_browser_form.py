"""A person's view of the lead form: headless Chromium opens examples/webform.html from a
static server, fills it in, submits it to the local API, lands on the thank-you page, and
the contact exists. Runs where Debian's chromium and chromium-driver are installed
(.ci/run installs them); skipped elsewhere."""
import functools
import http.server
import json
import os
import threading

import pytest

from tests.browsers import chromium, chromium_available
from tests.servers import ROOT, Server, free_port

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not chromium_available(), reason="needs Debian's chromium and chromium-driver")]


@pytest.fixture(autouse=True)
def aws():
    """The API runs in its own process here."""
    yield


@pytest.fixture
def static_site():
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=os.path.join(ROOT, "examples"))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def browser():
    with chromium() as driver:
        yield driver


def test_a_visitor_fills_in_the_form_and_lands_on_the_thank_you_page(tmp_path, static_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    api = Server(tmp_path / "store.json")
    try:
        assert api.request("POST", "/projects.json", {"project": {"name": "Support", "identifier": "support"}})[0] == 201
        assert api.request("POST", "/custom_fields.json", {"custom_field": {
            "name": "Source", "field_format": "list", "possible_values": ["web", "fair"]}})[0] == 201
        status, body = api.request("POST", "/projects/support/web_forms.json", {"web_form": {
            "name": "Site", "allowed_origins": [static_site],
            "redirect_urls": [f"{static_site}/thanks.html", f"{static_site}/sorry.html"]}})
        assert status == 201, body
        key = json.loads(body)["web_form"]["key"]

        browser.get(f"{static_site}/webform.html?key={key}&api=http://127.0.0.1:{api.port}")
        browser.find_element(By.NAME, "contact[first_name]").send_keys("Grace")
        browser.find_element(By.NAME, "contact[last_name]").send_keys("Hopper")
        browser.find_element(By.NAME, "contact[email]").send_keys("grace@navy.example")
        browser.find_element(By.NAME, "contact[custom_fields][][value]").send_keys("A fair")
        browser.find_element(By.NAME, "commit").click()
        WebDriverWait(browser, 20).until(expected_conditions.url_contains("thanks.html"))
        assert "we will be in touch" in browser.find_element(By.ID, "thanks").text

        status, body = api.request("GET", "/contacts.json?search=grace")
        contacts = json.loads(body)["contacts"]
        assert [(c["first_name"], c["last_name"], c["tag_list"]) for c in contacts] == [("Grace", "Hopper", ["website"])]
        assert contacts[0]["custom_fields"] == [{"id": 1, "name": "Source", "value": "fair"}]
        assert contacts[0]["emails"] == [{"address": "grace@navy.example"}]

        # A mistake comes back to the form's error page with the message.
        browser.get(f"{static_site}/webform.html?key={key}&api=http://127.0.0.1:{api.port}")
        browser.execute_script("document.querySelector('[name=\"contact[first_name]\"]').required = false")
        browser.find_element(By.NAME, "commit").click()
        WebDriverWait(browser, 20).until(expected_conditions.url_contains("sorry.html"))
        WebDriverWait(browser, 5).until(lambda b: b.find_elements(By.CSS_SELECTOR, "#errors li"))
        assert browser.find_element(By.ID, "errors").text == "First name cannot be blank"
    finally:
        api.stop()
