"""The API reference at / and everything it references load from this host only."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

pytestmark = pytest.mark.django_db

OWN_HOST = "testserver"
# In the page and its styles every absolute URL counts; in a script bundle only the URLs of
# scripts, styles and fonts do (ReDoc's bundle also holds JSON-schema ids and link texts).
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s"'<>)]*""")
LOADABLE = re.compile(r"\.(?:m?js|css|woff2?|ttf|otf|eot)(?:[?#]|$)|fonts\.(?:googleapis|gstatic)\.com")
CSS_REFERENCE = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.references: list[str] = []
        self.inline_styles: list[str] = []
        self.meta: dict[str, str] = {}
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href", "data-schema-url"):
            if attributes.get(name):
                self.references.append(attributes[name])
        if tag == "meta" and attributes.get("http-equiv"):
            self.meta[attributes["http-equiv"].lower()] = attributes.get("content", "")
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.inline_styles.append(data)


def elsewhere(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.netloc != OWN_HOST


def test_the_page_and_everything_it_references_name_no_other_host(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ABSOLUTE_URL.findall(html) == []
    parser = _References()
    parser.feed(html)
    assert parser.references, "the page references its script and schema"

    seen, queue = set(), [urljoin("http://testserver/", reference) for reference in parser.references]
    for style in parser.inline_styles:
        queue += [urljoin("http://testserver/", "".join(match)) for match in CSS_REFERENCE.findall(style)]
    while queue:
        url = queue.pop()
        if url in seen or url.startswith("data:"):
            continue
        seen.add(url)
        assert not elsewhere(url), f"/ references {url}"
        response = client.get(urlsplit(url).path)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        if url.endswith(".css"):
            assert ABSOLUTE_URL.findall(text) == [], url
            queue += [urljoin(url, "".join(match)) for match in CSS_REFERENCE.findall(text)]
        elif url.endswith(".js"):
            loads = [found for found in ABSOLUTE_URL.findall(text) if LOADABLE.search(found) and elsewhere(found)]
            assert loads == [], f"{url} loads {loads}"
    assert any(url.endswith("redoc.standalone.js") for url in seen)
    assert any(urlsplit(url).path == "/schema/" for url in seen)


def test_the_page_tells_the_browser_to_refuse_other_hosts(client):
    parser = _References()
    parser.feed(client.get("/").content.decode())
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in parser.meta["content-security-policy"].split(";")
        if directive.strip()
    }
    assert policy["default-src"] == ["'self'"]
    for directive in ("img-src", "style-src", "worker-src"):
        assert all(source in ("'self'", "'unsafe-inline'", "data:", "blob:") for source in policy[directive])
    assert "script-src" not in policy, "scripts fall back to default-src 'self': no inline script"
