"""The search page in a real browser: Debian's headless Chromium, driven
by Selenium through Debian's chromedriver (Selenium Manager is skipped,
so nothing is downloaded).

Skipped where either is missing (``apt-get install chromium
chromium-driver``; ``.ci/run`` does it). The screenshot goes to a
temporary folder, or to ``$AMNSFW_SCREENSHOT`` when set (the README's is
``docs/search_page.png``).
"""
import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

webdriver = pytest.importorskip('selenium.webdriver')
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which('chromium')
CHROMEDRIVER = shutil.which('chromedriver')
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason='needs Debian\'s chromium and chromium-driver on PATH '
    '(apt-get install chromium chromium-driver)')
#: Seconds the page may take to answer.
TIMEOUT = 30


@pytest.fixture(scope='module')
def browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ['--headless=new', '--no-sandbox', '--disable-gpu',
                 '--disable-dev-shm-usage', '--window-size=1000,760']:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options,
                              service=Service(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def wait_for(driver, condition, message: str):
    return WebDriverWait(driver, TIMEOUT).until(condition, message)


def test_type_a_description_and_see_the_ranked_gallery(
        browser, server_url, service, tmp_path):
    browser.get(server_url + '/')
    wait_for(browser, lambda d: 'images' in d.find_element(By.ID,
                                                           'info').text,
             'the page did not show what it searches')
    query = browser.find_element(By.ID, 'query')

    # An empty query: the server's message, no grid.
    browser.find_element(By.ID, 'search').click()
    error = wait_for(browser, lambda d: d.find_element(By.ID, 'error').text,
                     'no error shown for an empty query')
    assert 'text' in error

    # A description: the grid, best first, as the API ranks it.
    text = 'a person in a red jacket and blue trousers'
    query.send_keys(text)
    browser.find_element(By.ID, 'search').click()
    hits = wait_for(browser, lambda d: d.find_elements(
        By.CSS_SELECTOR, '#results .hit'), 'no ranked grid appeared')
    expected = service.search(text, k=len(service.gallery)).hits
    assert len(hits) == len(service.gallery)
    assert [int(h.get_attribute('data-index')) for h in hits] == [
        hit.index for hit in expected]
    assert hits[0].find_element(By.TAG_NAME, 'figcaption').text.startswith(
        '#1')
    assert browser.find_element(By.ID, 'error').is_displayed() is False

    # The split's closest captions; clicking one searches with it, so its
    # person's images are framed and the query's R@1 / AP are shown.
    browser.find_element(By.ID, 'similar').click()
    captions = wait_for(browser, lambda d: d.find_elements(
        By.CSS_SELECTOR, '#captions li'), 'no similar captions listed')
    captions[0].click()
    metrics = wait_for(browser, lambda d: d.find_element(
        By.ID, 'metrics').text, 'no R@1 / AP shown for a split caption')
    assert 'R@1' in metrics and 'AP' in metrics
    relevant = browser.find_elements(By.CSS_SELECTOR, '#results .relevant')
    assert len(relevant) == 2  # both images of the caption's person

    # Clicking an image shows it large with its own captions.
    top = browser.find_elements(By.CSS_SELECTOR, '#results .hit')[0]
    top.click()
    viewer_captions = wait_for(browser, lambda d: d.find_elements(
        By.CSS_SELECTOR, '#viewer-captions li'), 'no image view opened')
    index = int(top.get_attribute('data-index'))
    assert [li.text for li in viewer_captions] == [
        c.text for c in service.gallery.captions_of(index)]
    browser.find_element(By.ID, 'viewer-close').click()
    browser.execute_script('window.scrollTo(0, 0)')

    screenshot = Path(os.environ.get('AMNSFW_SCREENSHOT',
                                     tmp_path / 'search_page.png'))
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
