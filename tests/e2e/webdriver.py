"""A small W3C WebDriver client (standard library only) for the e2e tests.

Enough for the Goalpost suite: sessions, finding elements, clicking, typing, scripts,
screenshots. It talks to tauri-driver, which starts the app and forwards to WebKitWebDriver.
"""

import base64
import json
import time
import urllib.error
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(Exception):
    pass


class Session:
    def __init__(self, url, capabilities):
        self.url = url.rstrip("/")
        value = self._request("POST", "/session", {"capabilities": capabilities})
        self.id = value["sessionId"]
        # axe-core on a busy machine can take longer than the default 30 s.
        self.cmd("POST", "/timeouts", {"script": 110_000})

    def _request(self, method, path, body=None, timeout=120):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                payload = json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as e:
            payload = json.loads(e.read() or b"{}")
            v = payload.get("value", {})
            raise WebDriverError(f"{method} {path}: {v.get('error')}: {v.get('message')}") from None
        return payload.get("value")

    def cmd(self, method, path, body=None, timeout=120):
        return self._request(method, f"/session/{self.id}{path}", body, timeout)

    def quit(self):
        try:
            self._request("DELETE", f"/session/{self.id}", timeout=30)
        except (WebDriverError, OSError):
            pass

    # --- elements ---------------------------------------------------------------------
    def find_all(self, css):
        found = self.cmd("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, e[ELEMENT]) for e in found]

    def wait(self, css, timeout=60, visible=True):
        """The first element matching `css` (and displayed), waiting up to `timeout` s."""
        deadline = time.monotonic() + timeout
        while True:
            for el in self.find_all(css):
                if not visible or el.displayed():
                    return el
            if time.monotonic() > deadline:
                raise WebDriverError(f"no {'visible ' if visible else ''}element matches {css!r}")
            time.sleep(0.1)

    def wait_until(self, script, timeout=60, *args):
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

    def set_window_rect(self, width, height):
        try:
            self.cmd("POST", "/window/rect", {"width": width, "height": height})
        except WebDriverError:
            pass


class Element:
    def __init__(self, session, eid):
        self.s = session
        self.id = eid

    def _cmd(self, method, path, body=None):
        return self.s.cmd(method, f"/element/{self.id}{path}", body)

    def click(self):
        self._cmd("POST", "/click", {})
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
