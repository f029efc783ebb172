"""A small W3C WebDriver client (standard library only) for the e2e tests.

Enough for the Goalpost suite: sessions, finding elements, clicking, typing, scripts,
screenshots. It talks to tauri-driver, which starts the app and forwards to WebKitWebDriver.

Two kinds of failure are kept apart:
- WebDriverError: the driver answered with an error (no such element, a script error, a
  wait that ran out). That is a result; the caller decides.
- TransportError: no answer at all (the connection was refused, reset or closed without a
  response, or no reply within the timeout). Requests that change nothing (GET, finding
  elements) are sent once more on their own; anything else is reported, and the suite
  runs the step again in a fresh app.
"""

import base64
import http.client
import json
import time
import urllib.parse

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

# A loaded 2-core machine builds Rust next to the tests: give every answer time.
COMMAND_TIMEOUT = 180
SCRIPT_TIMEOUT_MS = 170_000


# Requests sent a second time after a dropped connection (to measure, not to hide).
RESENT = []


class WebDriverError(Exception):
    pass


class TransportError(Exception):
    pass


def _safe_to_resend(method, path):
    return method == "GET" or path.endswith("/elements") or path.endswith("/element")


class Session:
    def __init__(self, url, capabilities):
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port
        value = self._request("POST", "/session", {"capabilities": capabilities}, resend=False)
        self.id = value["sessionId"]
        # axe-core on a busy machine can take longer than the default 30 s.
        self.cmd("POST", "/timeouts", {"script": SCRIPT_TIMEOUT_MS})

    def _request(self, method, path, body=None, timeout=COMMAND_TIMEOUT, resend=None):
        if resend is None:
            resend = _safe_to_resend(method, path)
        data = None if body is None else json.dumps(body).encode()
        for attempt in (1, 2):
            # A new connection per request, and no "Connection: close" header (urllib sends
            # one): tauri-driver forwards that header to WebKitWebDriver, which then closes
            # tauri-driver's pooled connection, and tauri-driver now and then sends the next
            # request on it and drops ours unanswered. Measured: 6 drops in 480 requests
            # with urllib, none in 1,440 without the header (docs/desktop.md).
            conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                status, raw = resp.status, resp.read()
            except (OSError, http.client.HTTPException) as e:
                if attempt == 1 and resend:
                    RESENT.append(f"{method} {path}: {type(e).__name__}: {e}")
                    time.sleep(0.5)
                    continue
                raise TransportError(f"{method} {path}: {type(e).__name__}: {e}") from None
            finally:
                conn.close()
            payload = json.loads(raw or b"{}")
            if status >= 400:
                v = payload.get("value", {})
                raise WebDriverError(f"{method} {path}: {v.get('error')}: {v.get('message')}")
            return payload.get("value")
        raise AssertionError("unreachable")

    def cmd(self, method, path, body=None, timeout=COMMAND_TIMEOUT):
        return self._request(method, f"/session/{self.id}{path}", body, timeout)

    def quit(self):
        try:
            self._request("DELETE", f"/session/{self.id}", timeout=60, resend=False)
        except (WebDriverError, TransportError):
            pass

    # --- elements ---------------------------------------------------------------------
    def find_all(self, css):
        found = self.cmd("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, e[ELEMENT]) for e in found]

    def find(self, css):
        """The first element matching `css`; an error naming it if there is none."""
        found = self.find_all(css)
        if not found:
            raise WebDriverError(f"no element matches {css!r}")
        return found[0]

    def wait(self, css, timeout=90, visible=True):
        """The first element matching `css` (and displayed), waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            for el in self.find_all(css):
                if not visible or el.displayed():
                    return el
            if time.monotonic() > deadline:
                raise WebDriverError(f"no {'visible ' if visible else ''}element matches {css!r}")
            time.sleep(0.1)

    def wait_until(self, script, timeout=90, *args):
        """Waits until the JavaScript expression `script` returns a truthy value."""
        deadline = time.monotonic() + timeout
        while True:
            v = self.execute(f"return ({script});", *args)
            if v:
                return v
            if time.monotonic() > deadline:
                raise WebDriverError(f"timed out waiting for {script!r}")
            time.sleep(0.1)

    def execute(self, script, *args):
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def execute_async(self, script, *args):
        return self.cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return path


class Element:
    def __init__(self, session, eid):
        self.s = session
        self.id = eid

    def _cmd(self, method, path, body=None):
        return self.s.cmd(method, f"/element/{self.id}{path}", body)

    def click(self):
        """Clicks the element. When something else is on top of it for a moment (a status
        line appearing, the page still scrolling), the element is scrolled to the middle
        of the window and clicked again, up to five times; something that stays on top
        still fails the test."""
        for attempt in range(5):
            try:
                self._cmd("POST", "/click", {})
                return self
            except WebDriverError as e:
                if "intercepted" not in str(e) or attempt == 4:
                    raise
                self.s.execute("arguments[0].scrollIntoView({ block: 'center' });",
                               {ELEMENT: self.id})
                time.sleep(0.3)
        return self

    def send_keys(self, text):
        self._cmd("POST", "/value", {"text": text})
        return self

    def clear(self):
        self._cmd("POST", "/clear", {})
        return self

    @property
    def text(self):
        return self._cmd("GET", "/text")

    def attr(self, name):
        return self._cmd("GET", f"/attribute/{name}")

    def prop(self, name):
        return self._cmd("GET", f"/property/{name}")

    def displayed(self):
        try:
            return bool(self._cmd("GET", "/displayed"))
        except WebDriverError:
            return False
