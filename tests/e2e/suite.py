"""End-to-end tests of the real Goalpost desktop app, driven through tauri-driver.

The suite is one story on one demo class, told in order, with as few app launches as the
story allows (one for the station, one for the teacher):

  station   a child cannot reach teacher commands; goes from their name to the
            confirmation with a photo (the file fallback, or WebKit's mock camera);
            writes a note to their own family, with a count of letters left
  teacher   the locked window refuses teacher commands; a wrong PIN is refused; unlock;
            the class screen; the teacher approves the child's evidence; the Sync screen
            previews, refuses a second sync while one runs, syncs with live progress and
            writes the blog page and the email (.eml in the outbox: no SMTP configured);
            the Families screen shows who was reached, lists a chat family's text and
            photo, copies it and marks it sent, and draws each family's last 8 weeks as
            a strip with words for every week; the Goals screen prints goal sheets; the
            teacher approves the child's note in Review and the sync emails it to that
            child's family only; Settings saves the mail server
            and a test email reaches a real SMTP server on 127.0.0.1, a bad sender is
            refused in place, the theme folder opens; the screens in Spanish;
            a slow earlier draw never covers a newer screen; reasons and errors in Spanish
  session   one app per class (issue 13): a second launch on the class, from another
            process, opens the station inside the running app and ends; the teacher's
            window locks at once with nothing of the class left on the page, and comes
            back to the same screen after the PIN; a launch on another folder is its own
            app; `--station --fullscreen` opens the station as a full-screen kiosk
  layout    every station step fits the 1280x800 screen with the bar in view, and stays
            usable at 1024x768
  a11y      axe-core (WCAG 2.1 A/AA) on every station step and every teacher screen, run
            inside the steps above

The WebDriver sessions run on a D-Bus session bus of their own (tests/e2e/run starts the
suite under dbus-run-session), which the single-instance handover uses on Linux.

Why so few launches: WebKitWebDriver under Xvfb on a loaded machine occasionally drops a
connection while an app starts or quits (see docs/desktop.md). Fewer launches means fewer
chances, and a step whose connection drops runs once more in a freshly launched app on
the same class. A wrong result (AssertionError) is never retried. Every drop is written to
artifacts/e2e-transport.log so that it is measured, not hidden.

Each step checks what a person would see, and the database or files afterwards through
the app's own CLI. Screenshots go to artifacts/screenshots/. Standard library only.
Run through tests/e2e/run (it builds the app and starts Xvfb).
"""

import argparse
import datetime
import email
import email.policy
import fcntl
import glob
import json
import os
import re
import sqlite3
import shutil
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import traceback
import unicodedata
import zlib

import webdriver
from webdriver import ELEMENT, Session, TransportError, WebDriverError

PIN = "2468"
HERE = os.path.dirname(os.path.abspath(__file__))
AXE = os.path.join(HERE, "node_modules", "axe-core", "axe.min.js")
TEACHER_SCREENS = ["review", "class", "goals", "sync", "families", "settings"]


class Skip(Exception):
    pass


class Env:
    app = None
    driver_url = None
    artifacts = None
    shots = None
    tmp = None
    data = None  # the class every step works on
    timings = {}
    axe = {}
    facts = {}  # what earlier steps learned, for later ones
    transport = []  # connection drops seen
    opened = None  # where the recording file manager writes what it was asked to open
    picked = None  # the folder the folder dialog answers with (GOALPOST_PICK_FOLDER)
    pick_file = None  # the file the file dialog answers with (GOALPOST_PICK_FILE)
    new_pc = None  # a data folder with no class: a new PC


# ---- helpers --------------------------------------------------------------------------

def cli(*args, stdin=None):
    out = subprocess.run(
        [Env.app, "--data-dir", Env.data, *args],
        input=stdin, capture_output=True, text=True, timeout=300,
    )
    if out.returncode != 0:
        raise AssertionError(f"goalpost-desktop {' '.join(args)} failed: {out.stderr}")
    return out.stdout


def cli_json(*args):
    return json.loads(cli("--json", *args))


def make_class():
    d = os.path.join(Env.tmp, "class")
    shutil.rmtree(d, ignore_errors=True)
    Env.data = d
    cli("demo", "--students", "6")
    out = subprocess.run(
        [Env.app, "teacher-pin", "--data-dir", d], input=PIN + "\n",
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stderr


# The demo's contact languages by their English names, accents aside (engines differ on
# "Māori" and "Maori").
DEMO_LANGUAGE_NAMES = {"ar": "Arabic", "de": "German", "en": "English", "es": "Spanish",
                       "mi": "Maori", "sm": "Samoan"}


def plain(text):
    """`text` without accents."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def first_child():
    """The demo's first student: every consent given, a family reached by email in a
    language without a catalog (Māori: messages fall back to English) and one on paper."""
    return min(cli_json("student", "list"), key=lambda st: st["id"])


def png_file(path, w=64, h=48, rgb=(30, 120, 200)):
    """Writes a small solid-colour PNG (a stand-in for a phone photo)."""
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))

    def chunk(kind, data):
        c = kind + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))
    return path


def el(e):
    return {ELEMENT: e.id}


def shot(s, name):
    """Saves what is on the (virtual) screen. ImageMagick's `import` reads the X display;
    WebKitWebDriver's own screenshot can hang on some pages under Xvfb, so it is only the
    fallback. The short pause only lets the last change paint: no check depends on it."""
    path = os.path.join(Env.shots, name + ".png")
    time.sleep(0.3)
    if shutil.which("import") and os.environ.get("DISPLAY"):
        subprocess.run(["import", "-window", "root", path], check=True, timeout=60)
    else:
        s.screenshot(path)
    return path


def try_invoke(s, cmd, args=None):
    """Calls a command from inside the window, as a page script could (through Tauri's
    JavaScript API, `window.__TAURI__`)."""
    return s.execute_async(
        """
        const [cmd, args, done] = arguments;
        window.__TAURI__.core.invoke(cmd, args).then(
          (v) => done({ ok: v === undefined ? null : v }),
          (e) => done({ err: (e && e.kind) ? e : String((e && e.message) || e) }));
        """,
        cmd, args or {},
    )


def texts(s, css):
    return s.execute("return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent);", css)


def axe(s, page):
    """Runs axe-core (WCAG 2.1 A and AA) on the current page; records its violations."""
    if not os.path.exists(AXE):
        raise AssertionError("axe-core is missing: tests/e2e/run installs it with npm "
                             "(scripts/install-deps --test installs npm)")
    if not s.execute("return typeof window.axe === 'object';"):
        with open(AXE) as f:
            s.execute(f.read() + "\n;return true;")
    found = s.execute_async(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
          .then((r) => done(r.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }))),
            (e) => done([{ id: 'axe-error', help: String(e) }]));
        """
    )
    Env.axe[page] = found


def step_layout(s):
    """How the station step on display sits in the window."""
    return s.execute("""
        const step = document.querySelector('.step-screen:not([hidden])');
        const se = document.scrollingElement;
        const bar = document.querySelector('.station-bar').getBoundingClientRect();
        const buttons = [...step.querySelectorAll('.step-actions button, .done .big-btn')]
          .filter((b) => !b.hidden && b.offsetParent !== null)
          .map((b) => { const r = b.getBoundingClientRect();
            return { id: b.id || b.textContent, top: r.top, bottom: r.bottom, h: r.height }; });
        return { step: step.dataset.step, w: innerWidth, h: innerHeight,
                 page: se.scrollHeight - se.clientHeight, inner: step.scrollHeight - step.clientHeight,
                 bar: bar.top, buttons };""")


def assert_fits(s):
    """Issue 7: a station step fits the screen: the page never scrolls (the bar stays at the
    top), nothing in the step needs scrolling, and its buttons are big and in view."""
    r = step_layout(s)
    assert r["page"] <= 0 and r["inner"] <= 1 and r["bar"] == 0, f"the step does not fit: {r}"
    for b in r["buttons"]:
        assert b["bottom"] <= r["h"] and b["h"] >= 64, f"{b['id']} is out of view or small: {r}"
    return r


def show_screen(s, screen):
    """Goes to a teacher screen (as clicking its link does) and waits until it is drawn."""
    # Setting the hash is what the link does; WebKitWebDriver can stall on same-page
    # link clicks, so the test does it directly.
    s.execute(f"location.hash = '#{screen}';")
    s.wait_until(f"document.querySelector('[data-screen={screen}]').getAttribute('aria-current') === 'page'"
                 " && !document.querySelector('#screen > [data-loading]')")


def unlock_if_locked(s):
    s.wait_until("!document.getElementById('lock-screen').hidden || !document.getElementById('app').hidden")
    if s.execute("return !document.getElementById('lock-screen').hidden;"):
        pin = s.wait("#pin")
        pin.clear()
        pin.send_keys(PIN)
        s.find("#unlock-form button[type=submit]").click()
        s.wait("#app [data-screen=review]")


# ---- the app ----------------------------------------------------------------------------

class App:
    """The app under test: at most one launch at a time, reused by the steps that need
    the same window."""

    session = None
    window = None  # "station" or "teacher"
    launches = 0

    @classmethod
    def get(cls, window):
        if cls.session is not None and cls.window == window:
            return cls.session
        cls.close()
        if window == "new_pc":
            # The old PC's class, backed up to the stick the file dialog answers with.
            shutil.rmtree(Env.new_pc, ignore_errors=True)
            if os.path.exists(Env.pick_file):
                os.remove(Env.pick_file)
            cli("backup", Env.pick_file)
        data = Env.new_pc if window == "new_pc" else Env.data
        args = ["--data-dir", data] + (["--station"] if window == "station" else [])
        cls.launches += 1
        cls.session = Session(Env.driver_url, {
            "alwaysMatch": {
                "browserName": "wry",
                "tauri:options": {"application": Env.app, "args": args},
            }
        })
        cls.window = window
        if window == "new_pc":
            cls.session.wait("#welcome .welcome-inner")
        elif window == "teacher":
            cls.session.wait("#class-name")
        else:
            cls.session.wait(".name-tile")
        return cls.session

    @classmethod
    def close(cls):
        if cls.session is not None:
            cls.session.quit()
            # The next launch must not find this app still on its way out: it would hand
            # over to it (one app per class) instead of starting.
            wait_for_no_app(60)
        cls.session = None
        cls.window = None


def app_launches():
    """The pids of this app's window launches still running (not CLI commands), from
    /proc: the program with only window options after it."""
    window_args = {"--station", "--fullscreen"}
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if not argv or argv[0] != Env.app:
            continue
        rest, i = argv[1:], 0
        while i < len(rest) and (rest[i] in window_args or rest[i] == "--data-dir"):
            i += 2 if rest[i] == "--data-dir" else 1
        if i >= len(rest):
            found.append(int(pid))
    return found


def wait_for_no_app(timeout):
    """Waits until no launch of the app runs; one still running after `timeout` (a kiosk
    station refuses to close) is ended by its pid, and said so."""
    deadline = time.monotonic() + timeout
    while app_launches():
        if time.monotonic() > deadline:
            left = app_launches()
            print(f"  (the app did not quit: ending {left})", flush=True)
            for pid in left:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            time.sleep(1)
            return
        time.sleep(0.2)


def instance_name(data_dir):
    """The D-Bus name the app holds for a data folder (src-tauri/src/launch.rs)."""
    import hashlib
    key = hashlib.sha256(os.path.realpath(data_dir).encode()).hexdigest()[:16]
    return f"org.goalpost.app.k{key}.SingleInstance"


def bus_names():
    out = subprocess.run(
        ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
         "/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"],
        capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"no D-Bus session bus (run under dbus-run-session): {out.stderr}"
    return re.findall(r'string "([^"]+)"', out.stdout)


class X:
    """The X display the app runs on, through libX11 (which GTK brings; no X tools
    needed): find a window by its title, read what it asks of the window manager, and ask
    it to close as a window manager does for Alt+F4. Under Xvfb no window manager acts on
    the hints; on a desktop (or a kiosk session) one does."""

    def __init__(self):
        import ctypes
        self.c = ctypes
        ulp = ctypes.POINTER(ctypes.c_ulong)
        x = ctypes.cdll.LoadLibrary("libX11.so.6")
        x.XOpenDisplay.restype = ctypes.c_void_p
        x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        x.XDefaultRootWindow.restype = ctypes.c_ulong
        x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        x.XQueryTree.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ulp, ulp,
                                 ctypes.POINTER(ulp), ctypes.POINTER(ctypes.c_uint)]
        x.XFetchName.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_char_p)]
        x.XInternAtom.restype = ctypes.c_ulong
        x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        x.XGetAtomName.restype = ctypes.c_void_p
        x.XGetAtomName.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        x.XGetWindowProperty.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long, ctypes.c_long,
            ctypes.c_int, ctypes.c_ulong, ulp, ctypes.POINTER(ctypes.c_int), ulp, ulp,
            ctypes.POINTER(ulp)]
        x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                                 ctypes.c_void_p]
        for f in (x.XFree, x.XFlush, x.XCloseDisplay):
            f.argtypes = [ctypes.c_void_p]
        self.x = x
        self.dpy = x.XOpenDisplay(None)
        assert self.dpy, "no X display"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.x.XCloseDisplay(self.dpy)

    def _tree(self, w):
        c = self.c
        root, parent, n, kids = c.c_ulong(), c.c_ulong(), c.c_uint(), c.POINTER(c.c_ulong)()
        if self.x.XQueryTree(self.dpy, w, c.byref(root), c.byref(parent), c.byref(kids), c.byref(n)):
            found = [kids[i] for i in range(n.value)]
            if kids:
                self.x.XFree(kids)
            for k in found:
                yield k
                yield from self._tree(k)

    def windows(self, title):
        """The X windows titled `title`."""
        out = []
        for w in self._tree(self.x.XDefaultRootWindow(self.dpy)):
            name = self.c.c_char_p()
            if self.x.XFetchName(self.dpy, w, self.c.byref(name)) and name.value == title.encode():
                out.append(w)
        return out

    def _prop(self, w, atom):
        c = self.c
        kind, fmt, n, after, data = c.c_ulong(), c.c_int(), c.c_ulong(), c.c_ulong(), c.POINTER(c.c_ulong)()
        self.x.XGetWindowProperty(self.dpy, w, self.x.XInternAtom(self.dpy, atom, 0), 0, 64, 0, 0,
                                  c.byref(kind), c.byref(fmt), c.byref(n), c.byref(after), c.byref(data))
        values = [data[i] for i in range(n.value)] if data and fmt.value == 32 else []
        if data:
            self.x.XFree(data)
        return values

    def hints(self, w):
        """(the window's _NET_WM_STATE atoms, whether _MOTIF_WM_HINTS asks for no frame)."""
        states = []
        for a in self._prop(w, b"_NET_WM_STATE"):
            p = self.x.XGetAtomName(self.dpy, a)
            states.append(self.c.string_at(p).decode())
            self.x.XFree(p)
        motif = self._prop(w, b"_MOTIF_WM_HINTS")
        # flags bit 2 (MWM_HINTS_DECORATIONS) with decorations 0: no frame.
        return states, len(motif) >= 3 and bool(motif[0] & 2) and motif[2] == 0

    def ask_to_close(self, w):
        """Sends WM_DELETE_WINDOW, as a window manager does when someone presses Alt+F4."""
        c = self.c

        class ClientMessage(c.Structure):
            _fields_ = [("type", c.c_int), ("serial", c.c_ulong), ("send_event", c.c_int),
                        ("display", c.c_void_p), ("window", c.c_ulong), ("message_type", c.c_ulong),
                        ("format", c.c_int), ("l", c.c_long * 5)]

        class Event(c.Union):
            _fields_ = [("xclient", ClientMessage), ("pad", c.c_long * 24)]

        e = Event()
        e.xclient.type = 33  # ClientMessage
        e.xclient.window = w
        e.xclient.message_type = self.x.XInternAtom(self.dpy, b"WM_PROTOCOLS", 0)
        e.xclient.format = 32
        e.xclient.l[0] = self.x.XInternAtom(self.dpy, b"WM_DELETE_WINDOW", 0)
        self.x.XSendEvent(self.dpy, w, 0, 0, c.byref(e))
        self.x.XFlush(self.dpy)


def window_handles(s, n, what):
    """Waits until the app has `n` windows; returns their handles."""
    deadline = time.monotonic() + 60
    while len(s.cmd("GET", "/window/handles")) != n:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: the app has {s.cmd('GET', '/window/handles')} windows, not {n}")
        time.sleep(0.2)
    return s.cmd("GET", "/window/handles")


def second_launch(*args):
    """Starts the app again from another process, as a shortcut would; returns its exit
    code once it ended (handed over), or fails if it keeps running as its own app."""
    p = subprocess.Popen([Env.app, "--data-dir", Env.data, *args],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(f"`goalpost-desktop {' '.join(args)}` on the class kept running as an "
                             "app of its own instead of handing over to the running one")
    assert p.returncode == 0, f"the second launch failed ({p.returncode}): {out}"
    return p.returncode


def press_teacher_at(s, station, teacher):
    """A child presses "Teacher" in the station window; the session goes on in the
    teacher's window."""
    s.cmd("POST", "/window", {"handle": station})
    try:
        s.wait(".name-tile")
        s.find("#call-teacher").click()
    finally:
        s.cmd("POST", "/window", {"handle": teacher})


def class_words_on_page(s, words):
    """Which of `words` (names, addresses) the page still holds: on show, or anywhere in
    the teacher's screens even if hidden."""
    return s.execute("""
        const words = arguments[0];
        const shown = document.body.innerText;
        const kept = document.getElementById('app').textContent
          + (document.getElementById('toast') || { textContent: '' }).textContent;
        return words.filter((w) => shown.includes(w) || kept.includes(w));""", words)


def class_words():
    """Words only the class's screens show: students' full names, contacts' names and
    addresses."""
    words = [f"{st['first_name']} {st['last_name']}".strip() for st in cli_json("student", "list")]
    for c in cli_json("contact", "list"):
        words += [w for w in (c.get("name"), c.get("email")) if w]
    return sorted(set(words))


# ---- station steps ----------------------------------------------------------------------

def station_cannot_call_teacher_commands(s):
    before = cli_json("review", "list")
    for cmd, args in [
        ("review_list", {}),
        ("evidence_approve_all", {}),
        ("class_overview", {}),
        ("teacher_unlock", {"pin": PIN}),
        ("setting_set", {"key": "blog.dir", "value": "/tmp/x"}),
        ("sync_run", {"onProgress": "__CHANNEL__:1"}),
        ("families_list", {}),
    ]:
        r = try_invoke(s, cmd, args)
        assert "err" in r, f"the station could call {cmd}: {r}"
        assert "not allowed" in json.dumps(r["err"]), f"{cmd}: {r}"
    # ... while its own commands work.
    assert "ok" in try_invoke(s, "station_home")
    assert cli_json("review", "list") == before, "nothing changed"
    assert not os.path.exists(os.path.join(Env.data, "blog", "index.html")), "no sync ran"


def station_flow_from_name_to_confirmation_with_a_photo(s):
    """A child taps their name, picks a goal, adds a photo, says what they learned, sends."""
    child = first_child()
    name = child["display_name"]
    s.execute("location.reload();")  # a retried step starts at the names
    s.wait(".name-tile")
    shot(s, "station-names")
    assert_fits(s)
    axe(s, "station-names")
    tile = [t for t in s.find_all(".name-tile") if name in t.text]
    assert tile, f"{name} has a tile: {texts(s, '.name-tile .name')}"
    tile[0].click()
    card = s.wait(".goal-card")
    shot(s, "station-goals")
    assert_fits(s)
    axe(s, "station-goals")
    goal = s.execute("return arguments[0].querySelector('.goal-title').textContent;", el(card))
    card.click()
    s.wait("#s-photo")
    s.wait_until(
        "!document.getElementById('shoot').hidden || "
        "document.getElementById('camera-note').textContent.length > 0 && "
        "!document.getElementById('camera-note').textContent.endsWith('…')",
        90,
    )
    axe(s, "station-photo")
    camera = s.execute("return !document.getElementById('shoot').hidden;")
    if camera:
        s.wait_until("document.getElementById('video').videoWidth > 0", 90)
        shot(s, "station-camera")
        s.find("#shoot").click()
        s.wait("#keep", timeout=30)
        shot(s, "station-photo-taken")
    else:
        photo = png_file(os.path.join(Env.tmp, "work.png"))
        s.find("#photo-file").send_keys(photo)
        s.wait("#keep", timeout=30)
        assert not s.find("#camera-note").displayed(), "the no-camera note covers the chosen photo"
        shot(s, "station-photo-file")
    assert_fits(s)
    s.find("#keep").click()
    s.wait("#words")
    s.find("[data-starter='station.starter.1']").click()
    s.find("#words").send_keys("count by 5s to 100")
    # WebKitWebDriver cannot type characters outside the BMP: add the emoji as a paste would.
    s.execute("const w = document.getElementById('words'); w.value += ' 🎉';"
              "w.dispatchEvent(new Event('input', { bubbles: true }));")
    s.find("#family-message").send_keys("Come and see my goal on Thursday!")
    shot(s, "station-words")
    assert_fits(s)
    axe(s, "station-words")
    s.execute("window.__submitStart = performance.now();"
              "window.addEventListener('goalpost:submitted', () => {"
              "  window.__submitMs = performance.now() - window.__submitStart; }, { once: true });")
    s.find("#send").click()
    done = s.wait("[data-testid=done-title]")
    s.wait_until("window.__submitMs !== undefined")
    Env.timings["submit_to_confirmation_ms"] = s.execute("return window.__submitMs;")
    assert name in done.text, f"{name!r} not in {done.text!r}"
    shot(s, "station-done")
    assert_fits(s)
    axe(s, "station-done")

    waiting = cli_json("review", "list")
    mine = [e for e in waiting if e["display_name"] == name and e["goal_title"] == goal]
    assert mine, f"the submission waits for review: {waiting}"
    e = mine[-1]
    assert e["status"] == "waiting"
    assert e["photo_hash"], "the photo was stored"
    assert e["words"].endswith("count by 5s to 100 🎉"), e["words"]
    assert e["family_message"] == "Come and see my goal on Thursday!"
    Env.facts["evidence"] = e
    Env.facts["child"] = child
    Env.timings["camera"] = "mock camera" if camera else "file fallback"


def station_note_to_my_family_waits_for_the_teacher(s):
    """Issue 16, part 2: a child taps their name, then "Write a note to my family", writes a
    few words (an idea button starts them; a counter says how many letters are left; the
    box takes no more than 140), and sends: the note waits for the teacher."""
    child = first_child()
    name = child["display_name"]
    s.execute("location.reload();")
    s.wait(".name-tile")
    [t for t in s.find_all(".name-tile") if name in t.text][0].click()
    s.wait("[data-testid=write-note]").click()
    box = s.wait("[data-testid=note-text]")
    assert name in s.find("#note-title").text, s.find("#note-title").text
    assert s.find("[data-testid=note-count]").text == "140 letters left"
    s.find("[data-note-starter='station.note_starter.1']").click()
    box.send_keys("reading goal on Thursday!")
    text = s.execute("return document.getElementById('note-text').value;")
    assert text == "Come and see my reading goal on Thursday!", text
    left = s.find("[data-testid=note-count]").text
    assert left == f"{140 - len(text)} letters left", left
    assert s.execute("return document.getElementById('note-text').maxLength;") == 140
    assert s.execute("return document.getElementById('note-text').getAttribute('aria-describedby');") == "note-count"
    shot(s, "station-note")
    assert_fits(s)
    axe(s, "station-note")
    s.find("[data-testid=send-note]").click()
    done = s.wait("[data-testid=done-title]")
    assert name in done.text, done.text
    axe(s, "station-note-done")
    waiting = [n for n in cli_json("note", "list") if n["student_id"] == child["id"]]
    assert waiting and waiting[-1]["text"] == text and waiting[-1]["status"] == "waiting", waiting
    Env.facts["note"] = waiting[-1]


def station_steps_stay_usable_at_1024x768(s):
    """Issue 7: on a 1024x768 screen every step still keeps the bar at the top and its
    buttons in view, however far a child scrolls. Nothing is sent."""
    try:
        s.cmd("POST", "/window/rect", {"width": 1024, "height": 768})
    except WebDriverError as e:
        raise Skip(f"this WebDriver cannot resize the window: {e}")
    try:
        s.execute("location.reload();")
        s.wait(".name-tile")
        s.wait_until("innerWidth <= 1024")

        def check(name):
            # Scroll everything as far down as it goes, as a child might.
            s.execute("document.querySelector('.step-screen:not([hidden])').scrollTop = 1e6;"
                      "window.scrollTo(0, 1e6);")
            r = step_layout(s)
            assert r["bar"] == 0 and r["page"] <= 0, f"{name}: the bar scrolled away: {r}"
            for b in r["buttons"]:
                assert b["bottom"] <= r["h"] and b["top"] >= 0 and b["h"] >= 64, f"{name}: {b['id']}: {r}"
            shot(s, f"station-{name}-1024x768")

        check("names")
        s.find(".name-tile").click()
        s.wait(".goal-card").click()
        s.wait("#s-photo")
        s.wait_until("!document.getElementById('camera-note').textContent.endsWith('…')"
                     " || !document.getElementById('shoot').hidden", 90)
        if s.execute("return document.getElementById('shoot').hidden;"):
            s.find("#photo-file").send_keys(png_file(os.path.join(Env.tmp, "small.png")))
            s.wait("#keep", timeout=30)
        check("photo")
        s.find("#no-photo").click()
        s.wait("#words")
        s.find("#words").send_keys("I can count to 100 " * 12)
        check("words")
        s.find("#s-words [data-go=photo]").click()
        s.wait("#s-photo")
    finally:
        s.cmd("POST", "/window/rect", {"width": 1200, "height": 800})


# ---- teacher steps ----------------------------------------------------------------------

def locked_teacher_window_refuses_teacher_commands(s):
    s.execute("location.reload();")
    s.wait("#pin")
    shot(s, "teacher-lock")
    axe(s, "teacher-lock")
    r = try_invoke(s, "review_list")
    assert "err" in r and r["err"]["kind"] == "forbidden", r
    r = try_invoke(s, "sync_preview")
    assert "err" in r and r["err"]["kind"] == "forbidden", r
    r = try_invoke(s, "teacher_status")
    assert r["ok"]["unlocked"] is False, r


def wrong_pin_is_refused_then_the_teacher_unlocks(s):
    s.wait_until("!document.getElementById('lock-screen').hidden || !document.getElementById('app').hidden")
    if s.execute("return !document.getElementById('lock-screen').hidden;"):
        pin = s.find("#pin")
        pin.clear()
        pin.send_keys("0000")
        s.find("#unlock-form button[type=submit]").click()
        err = s.wait("#unlock-error")
        assert err.text, "a wrong PIN says so"
    unlock_if_locked(s)
    assert s.execute("return document.getElementById('app').hidden === false;")


def class_screen_shows_class_name_and_students(s):
    unlock_if_locked(s)
    students = cli_json("student", "list")
    show_screen(s, "class")
    s.wait_until("document.querySelector('[data-testid=class-name]').textContent.length > 0")
    assert s.find("[data-testid=class-name]").text == "Room 7"
    s.wait("[data-testid=students] tbody tr")
    rows = texts(s, "[data-testid=students] tbody th")
    for st in students:
        full = f"{st['first_name']} {st['last_name']}".strip()
        assert full in rows, f"{full} not in {rows}"
    shot(s, "teacher-class")
    axe(s, "teacher-class")


def class_screen_writes_portfolios(s):
    """Issue 15: from the Class screen the teacher writes one student's year-end portfolio,
    then every student's, each into a new folder inside the folder picked (a USB stick; the
    dialog answers with GOALPOST_PICK_FOLDER here), shown in the file manager."""
    unlock_if_locked(s)
    show_screen(s, "class")
    child = first_child()
    result = "(document.querySelector('[data-testid=portfolio-result]') || {}).textContent || ''"
    s.find(f"[data-testid=students] tr[data-student-id='{child['id']}'] "
           "[data-action=export-portfolio]").click()
    s.wait_until(f"({result}).includes('portfolio-s{child['id']}')", timeout=120)
    one = os.path.join(Env.picked, f"portfolio-s{child['id']}")
    for f in ("index.html", "portfolio.json"):
        assert os.path.isfile(os.path.join(one, f)), f"{f} is missing in {os.listdir(one)}"
    with open(os.path.join(one, "portfolio.json")) as f:
        assert json.load(f)["student"]["id"] == child["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (
            os.path.exists(Env.opened) and open(Env.opened).read().strip() == one):
        time.sleep(0.1)
    assert open(Env.opened).read().strip() == one, "the file manager shows the portfolio"

    s.find("[data-action=export-portfolios]").click()
    s.wait_until(f"({result}).includes('portfolios-')", timeout=180)
    made = [d for d in os.listdir(Env.picked) if d.startswith("portfolios-")]
    assert len(made) == 1, made
    students = cli_json("student", "list")
    for st in students:
        assert os.path.isfile(os.path.join(Env.picked, made[0], f"s{st['id']}", "index.html")), st["id"]
    names = {n.lower() for st in students for n in (st["first_name"], st["last_name"]) if len(n) > 2}
    for root, dirs, files in os.walk(Env.picked):
        for n in dirs + files:
            assert not any(name in n.lower() for name in names), f"a name in the file name {n}"
    shot(s, "teacher-class-portfolios")
    axe(s, "teacher-class-portfolios")


def overlapping_draws_never_mix(s):
    """Issue 7: screens draw asynchronously. A slower earlier draw must not cover the newer
    screen, and a save's redraw after the teacher moved on must not either. First the
    window's own drawing rules (ui/js/drawing.js) with screens that answer when told, so
    the order is certain; then the real screens switched faster than they answer."""
    unlock_if_locked(s)
    log = s.execute_async("""
      const done = arguments[arguments.length - 1];
      (async () => {
        const { createDrawing } = await import('./js/drawing.js');
        const host = document.createElement('div');
        const gates = {}; const views = {};
        const screen = (name) => ({ async render(root, view) {
          views[name] = view;
          await new Promise((r) => { gates[name] = r; });
          root.textContent = name;
        } });
        let badge = 'none';
        const d = createDrawing(host, { slow: screen('slow'), fast: screen('fast'), other: screen('other') },
          { setBadge(v) { badge = v; } },
          { loading: () => document.createTextNode('loading'), guarded: ['setBadge'] });
        const log = [];
        // The teacher opens "slow", then "fast" before "slow" has answered.
        const a = d.visit('slow'); const b = d.visit('fast');
        gates.fast(); log.push(await b, host.textContent);
        gates.slow(); log.push(await a, host.textContent);
        views.slow.setBadge('slow'); views.fast.setBadge('fast'); log.push(badge);
        // A save on "fast" redraws it; the old frame stays until the new one is ready.
        const c = views.fast.reload(); log.push(host.textContent);
        gates.fast(); log.push(await c, host.textContent);
        // A save that answers after the teacher went to "other" redraws nothing.
        const saved = views.fast; const e = d.visit('other');
        const f = saved.reload(); gates.other();
        log.push(await e, await f, host.textContent);
        done(log);
      })().catch((err) => done(['error', String(err && err.stack || err)]));""")
    assert log == [True, "fast", False, "fast", "fast", "fast", True, "fast", True, False, "other"], log

    # The real window: Review, Class and Goals asked for one after another, each before the
    # one before has answered (a yield between them lets each hashchange see its own
    # screen: set in one go, every handler would read '#goals'); Goals is what stays.
    s.execute_async("""
      const done = arguments[arguments.length - 1];
      const next = () => new Promise((r) => setTimeout(r, 0));
      (async () => {
        location.hash = '#review'; await next();
        location.hash = '#class'; await next();
        location.hash = '#goals'; done(true);
      })();""")
    s.wait_until("(document.querySelector('#screen > .screen-frame') || {}).dataset?.screen === 'goals'")
    time.sleep(1.5)  # long enough for the earlier draws to answer
    drawn = s.execute("return [...document.querySelectorAll('#screen > *')].map((e) => e.dataset.screen || e.tagName);")
    assert drawn == ["goals"], drawn
    assert s.find("#screen h2").text == "Goals"
    assert s.execute("return document.querySelector('[data-screen=goals][aria-current=page]') !== null;")


def teacher_approves_the_station_evidence(s):
    unlock_if_locked(s)
    target = Env.facts.get("evidence")
    if target is None:  # run alone (-k): evidence as the station would add it
        child = first_child()
        g = [g for g in cli_json("goal", "list") if g["status"] == "current" and g["student_id"] == child["id"]][0]
        photo = png_file(os.path.join(Env.tmp, "evidence.png"), rgb=(220, 90, 40))
        cli("evidence", "add", "--student", str(child["id"]), "--goal", str(g["id"]),
            "--photo", photo, "--words", "I can now count by 5s to 100", "--message", "Come and see!")
        target = [e for e in cli_json("review", "list") if e["goal_id"] == g["id"]][-1]
        Env.facts["evidence"], Env.facts["child"] = target, child
    tid = target["id"]
    show_screen(s, "review")
    card = f"[data-evidence-id='{tid}']"
    s.wait(card)
    s.wait_until(f"(() => {{ const i = document.querySelector(\"{card} .photo img\");"
                 " return i && i.complete && i.naturalWidth > 0; })()")
    shot(s, "teacher-review")
    axe(s, "teacher-review")
    words = s.find(f"#words-{tid}")
    words.clear()
    words.send_keys("I can count by 5s to 100 on my own")
    s.find(f"{card} [data-action=approve]").click()
    s.wait_until(f"!document.querySelector(\"{card}\")")
    e = [x for x in cli_json("review", "list", "--all") if x["id"] == tid][0]
    assert e["status"] == "approved", e
    assert e["words"] == "I can count by 5s to 100 on my own", e["words"]
    goal = [x for x in cli_json("goal", "list") if x["id"] == target["goal_id"]][0]
    assert goal["status"] == "achieved", goal
    Env.facts["words"] = e["words"]
    Env.facts["goal"] = e["goal_title"]


def names_in_the_words_are_pointed_out_before_approving(s):
    """A child's words name a classmate with their last name: Review says so on the card,
    "Approve all" approves the others and leaves it; once the words are changed and saved
    the note goes, and it can be approved."""
    unlock_if_locked(s)
    students = cli_json("student", "list")
    goals = [g for g in cli_json("goal", "list") if g["status"] == "current"]
    authors = [st for st in students if any(g["student_id"] == st["id"] for g in goals)][:3]
    assert len(authors) == 3, "three students with a current goal"
    named = next(st for st in students if st["id"] != authors[0]["id"] and st["last_name"])
    added = []
    for i, st in enumerate(authors):
        g = next(g for g in goals if g["student_id"] == st["id"])
        words = (f"{named['first_name']} {named['last_name']} showed me how" if i == 0
                 else f"I did it by myself ({i})")
        cli("evidence", "add", "--student", str(st["id"]), "--goal", str(g["id"]), "--words", words)
        added.append([e for e in cli_json("review", "list") if e["goal_id"] == g["id"]][-1])
    flagged, clean = added[0], added[1:]
    assert flagged["mentions"], flagged
    assert all(not e["mentions"] for e in clean), clean
    show_screen(s, "goals")  # the evidence came from outside: draw Review afresh
    show_screen(s, "review")
    card = f"[data-evidence-id='{flagged['id']}']"
    note = s.wait(f"{card} [data-testid=mentions]")
    assert named["last_name"] in note.text and "last name" in note.text, note.text
    assert "1 needs a look" in s.find("[data-testid=review-flagged]").text
    shot(s, "teacher-review-mentions")
    axe(s, "teacher-review-mentions")
    waiting = len(cli_json("review", "list"))
    button = s.find("[data-action=approve-all]")
    assert button.text == f"Approve the {waiting - 1} ready", button.text
    button.click()
    for e in clean:
        s.wait_until(f"!document.querySelector(\"[data-evidence-id='{e['id']}']\")")
    s.wait(card)
    left = cli_json("review", "list")
    assert [e["id"] for e in left] == [flagged["id"]], "only the flagged evidence waits"
    words = s.find(f"#words-{flagged['id']}")
    words.clear()
    words.send_keys("My friend showed me how")
    s.find(f"{card} [data-action=save-text]").click()
    s.wait_until(f"document.querySelector(\"{card}\") && !document.querySelector(\"{card} [data-testid=mentions]\")")
    s.find(f"{card} [data-action=approve]").click()
    s.wait_until(f"!document.querySelector(\"{card}\")")
    e = [x for x in cli_json("review", "list", "--all") if x["id"] == flagged["id"]][0]
    assert e["status"] == "approved" and e["words"] == "My friend showed me how", e


def goals_and_settings_screens_show(s):
    unlock_if_locked(s)
    for screen in ["goals", "settings"]:
        show_screen(s, screen)
        shot(s, f"teacher-{screen}")
        axe(s, f"teacher-{screen}")
        if screen == "goals":
            assert s.find_all("[data-testid=goals] li"), "each student's goals are listed"


def sharing_screen_adds_changes_and_cancels_a_time(s):
    """Issue 16, part 1: the Sharing screen plans a sharing time, changes it and cancels
    it. The CLI sees each change (the calendar sequence goes up), the dry run would invite
    every family, and a cancelled time leaves the list. Cancelled before any sync, nobody
    hears of it."""
    unlock_if_locked(s)
    show_screen(s, "sharing")
    s.wait("[data-testid=sharing-form-new]")
    title = "Come and see our reading"
    s.find("#sharing-title-new").send_keys(title)
    # Date and time fields take their value as the form would hold it (typing into them
    # depends on the locale of the WebKit build).
    s.execute("document.getElementById('sharing-at-new').value = '2030-05-14T14:00';"
              "document.getElementById('sharing-until-new').value = '15:00';")
    s.find("#sharing-place-new").send_keys("Room 7")
    s.find("[data-testid=sharing-form-new] button[type=submit]").click()
    s.wait_until(f"[...document.querySelectorAll('[data-testid=sharing] li')]"
                 f".some((li) => li.textContent.includes({json.dumps(title)}))", timeout=30)
    mine = [x for x in cli_json("sharing", "list") if x["title"] == title]
    assert len(mine) == 1, mine
    sid = mine[0]["id"]
    shot(s, "teacher-sharing")
    axe(s, "teacher-sharing")

    item = f"li[data-sharing-id='{sid}']"
    s.find(f"[data-testid=sharing-edit-{sid}]").click()
    place = s.wait(f"#sharing-place-{sid}")
    place.clear()
    place.send_keys("The hall")
    axe(s, "teacher-sharing-edit")
    s.find(f"[data-testid=sharing-form-{sid}] button[type=submit]").click()
    s.wait_until(f"(document.querySelector(\"{item}\") || {{}}).textContent.includes('The hall')",
                 timeout=30)
    row = next(x for x in cli_json("sharing", "list") if x["id"] == sid)
    assert row["place"] == "The hall" and row["sequence"] == 1, row
    dry = cli_json("sync", "--dry-run")
    invited = [d for f in dry["families"] for d in f["deliveries"]
               if (d.get("sharing") or {}).get("id") == sid]
    assert invited and all(d["kind"] == "invitation" for d in invited), invited

    s.find(f"[data-testid=sharing-cancel-{sid}]").click()
    s.wait(f"[data-testid=sharing-cancel-yes-{sid}]").click()
    s.wait_until(f"!document.querySelector(\"{item}\")", timeout=30)
    assert all(x["id"] != sid for x in cli_json("sharing", "list"))
    dry = cli_json("sync", "--dry-run")
    assert not any((d.get("sharing") or {}).get("id") == sid
                   for f in dry["families"] for d in f["deliveries"]), "nobody was told of it"


def sync_preview_shows_each_family_before_sending(s):
    unlock_if_locked(s)
    show_screen(s, "sync")
    s.wait("#sync-preview")
    shot(s, "teacher-sync")
    axe(s, "teacher-sync")
    s.find("#sync-preview").click()
    s.wait("[data-testid=sync-preview-result]")
    rows = s.execute("""
        return [...document.querySelectorAll('[data-testid=sync-families] tbody tr')].map((tr) => ({
          family: tr.querySelector('th').textContent,
          cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) }));""")
    assert rows, "the preview lists families"
    child = Env.facts.get("child") or first_child()
    contacts = [c for c in cli_json("contact", "list")
                if any(l["student_id"] == child["id"] for l in c["students"]) and c["channel"] == "email"]
    assert contacts, f"{child['display_name']} has a family reached by email"
    fam = [r for r in rows if r["family"] == contacts[0]["name"]]
    assert fam, f"{contacts[0]['name']} is in the preview: {rows}"
    lang, channel, items = fam[0]["cells"]
    # Languages by name, not by code: every family's row, and the one that falls back.
    for r in rows:
        assert not re.match(r"^[a-z]{2,3}\b", r["cells"][0]), f"a language code, not its name: {r}"
    name = DEMO_LANGUAGE_NAMES[contacts[0]["language"]]
    assert plain(lang).startswith(name), f"{lang!r} names {name}"
    if contacts[0]["language"] not in ("en", "es"):
        assert "sent in English" in lang, f"the language fallback is shown: {lang}"
    assert channel == "email", channel
    assert child["display_name"] in items, items
    if "goal" in Env.facts:
        assert Env.facts["goal"] in items, items
    blog = s.find("[data-testid=sync-blog]").text
    assert re.search(r"\d+ new posts?\b", blog), blog
    shot(s, "teacher-sync-preview")
    axe(s, "teacher-sync-preview")
    # The preview changed nothing.
    assert not os.path.exists(os.path.join(Env.data, "blog", "index.html"))
    assert not glob.glob(os.path.join(Env.data, "outbox", "**", "*.eml"), recursive=True)


class holding_the_class:
    """Holds the class lock as another Goalpost process would (`goalpost mail send` from a
    terminal, a scheduled sync): an flock on sync.lock, with the holder written into it as
    src/lock.rs writes it."""

    def __init__(self, operation):
        self.operation = operation

    def __enter__(self):
        self.file = open(os.path.join(Env.data, "sync.lock"), "a+")
        fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        since = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.file.truncate(0)
        self.file.write(json.dumps({"operation": self.operation, "since": since, "pid": os.getpid()}))
        self.file.flush()
        return self

    def __exit__(self, *exc):
        self.file.truncate(0)
        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()
        return False


def a_second_sync_meanwhile_says_one_is_already_running(s):
    """Another operation holds the class lock: pressing Sync says what holds the class and
    since when, and sends nothing."""
    unlock_if_locked(s)
    show_screen(s, "sync")
    with holding_the_class("mail_send"):
        s.find("#sync-run").click()
        box = s.wait("[data-testid=sync-error]")
        assert re.search(r"A mail send is running since \d\d:\d\d; try again when it ends", box.text), box.text
        shot(s, "teacher-sync-already-running")
    assert not glob.glob(os.path.join(Env.data, "outbox", "**", "*.eml"), recursive=True)


def sync_writes_the_blog_page_and_the_email(s):
    unlock_if_locked(s)
    show_screen(s, "sync")
    # Record every progress line the screen shows, however fast the sync is.
    s.execute("""
        window.__progress = [];
        const seen = (n) => {
          if (n.nodeType !== 1) return;
          for (const p of [n, ...n.querySelectorAll('[data-testid=sync-step], [data-testid=sync-sending]')]) {
            if (p.matches('[data-testid=sync-step], [data-testid=sync-sending]')) window.__progress.push(p.textContent);
          }
        };
        new MutationObserver((records) => records.forEach((r) => r.addedNodes.forEach(seen)))
          .observe(document.getElementById('screen'), { childList: true, subtree: true });""")
    s.find("#sync-run").click()
    s.wait("[data-testid=sync-summary]", timeout=300)
    progress = s.execute("return window.__progress;")
    assert any("Step 5 of 6: Sending to families" in p for p in progress), progress
    assert any(p.startswith("Sending ") for p in progress), progress
    assert not s.find_all("[data-testid=sync-failures]"), s.find("[data-testid=sync-summary]").text
    summary = s.find("[data-testid=sync-summary]").text
    # "Maria: asked for Māori, got English": names the teacher knows, not codes.
    fallbacks = texts(s, "[aria-labelledby=sync-fallbacks-title] li")
    assert fallbacks, "a family whose language has no catalog is named"
    for line in fallbacks:
        wanted, used = re.fullmatch(r".+: asked for (.+), got (.+)", line).groups()
        assert plain(wanted) in DEMO_LANGUAGE_NAMES.values() and used == "English", line
    shot(s, "teacher-sync-done")
    axe(s, "teacher-sync-done")

    child = Env.facts.get("child") or first_child()
    words = Env.facts.get("words", "")
    # The blog page of the approved evidence.
    index = os.path.join(Env.data, "blog", "index.html")
    assert os.path.isfile(index), "the blog was written"
    posts = glob.glob(os.path.join(Env.data, "blog", "posts", "*.html"))
    mine = [p for p in posts if words and words in open(p, encoding="utf-8").read()]
    assert mine, f"a post holds the child's words {words!r}: {posts}"
    assert child["display_name"] in open(mine[0], encoding="utf-8").read()
    assert child["last_name"] not in open(mine[0], encoding="utf-8").read(), "no last names on the blog"
    # The email to the child's family, in the outbox folder (no SMTP configured).
    emls = glob.glob(os.path.join(Env.data, "outbox", "**", "*.eml"), recursive=True)
    assert emls, "emails were written to the outbox folder"
    contacts = [c for c in cli_json("contact", "list")
                if any(l["student_id"] == child["id"] for l in c["students"]) and c["channel"] == "email"]
    to = contacts[0]["email"]
    found = []
    for p in emls:
        with open(p, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        if to in str(msg["To"]):
            body = msg.get_body(preferencelist=("plain",))
            found.append((p, msg, body.get_content() if body else ""))
    assert found, f"an email to {to} is in the outbox: {emls}"
    assert any(words in text for _, _, text in found), [t for _, _, t in found]
    for _, msg, _ in found:
        assert msg["Cc"] is None and msg["Bcc"] is None, "one recipient per email"
    Env.facts["summary"] = summary


def families_screen_shows_who_was_reached(s):
    unlock_if_locked(s)
    show_screen(s, "families")
    s.wait("[data-testid=families] tbody tr")
    rows = s.execute("""
        return [...document.querySelectorAll('[data-testid=families] tbody tr')].map((tr) => ({
          id: Number(tr.dataset.contactId), lately: tr.dataset.lately === 'true',
          cells: [...tr.children].map((c) => c.textContent) }));""")
    lately = [r["lately"] for r in rows]
    assert lately == sorted(lately), f"the families not reached lately come first: {lately}"
    assert not all(lately), "a family nobody reaches automatically is shown as not reached"
    child = Env.facts.get("child") or first_child()
    contacts = [c for c in cli_json("contact", "list")
                if any(l["student_id"] == child["id"] for l in c["students"]) and c["channel"] == "email"]
    mine = [r for r in rows if r["id"] == contacts[0]["id"]]
    assert mine and mine[0]["lately"], f"{contacts[0]['name']} was reached: {rows}"
    how, times = mine[0]["cells"][4], int(mine[0]["cells"][5])
    assert how == "email" and times >= 1, mine
    shot(s, "teacher-families")
    axe(s, "teacher-families")


def families_chat_list_copies_text_and_marks_sent(s):
    """Issue 16, part 3: a family on the chat channel. After a sync the Families screen lists
    their text (in their language) with the photo to drag or save; Copy text puts the text on
    the clipboard, and Sent records the delivery and logs the family as reached by chat."""
    unlock_if_locked(s)
    hine = next(c for c in cli_json("contact", "list") if c["name"] == "Hine García")
    cli("contact", "edit", str(hine["id"]), "--channel", "chat")
    cli("sync")
    waiting = [m for m in cli_json("chat", "list") if m["contact_id"] == hine["id"]]
    assert waiting, "the sync prepared a chat text for the family on chat"
    m = waiting[0]
    show_screen(s, "goals")  # changed from outside: draw Families afresh
    show_screen(s, "families")
    item = f"[data-testid=chat-list] li[data-delivery-id='{m['delivery_id']}']"
    s.wait(item)
    text = s.find(f"{item} .chat-text").text
    assert text.strip() == m["text"].strip(), (text, m["text"])
    assert s.execute(f"return document.querySelector(\"{item} .chat-text\").lang;") == m["language"]
    if m["photo"]:
        s.wait_until(f"(document.querySelector(\"{item} .chat-photo img\") || {{}}).naturalWidth > 0",
                     timeout=30)
        assert s.find(f"{item} [data-action=chat-save-photo]").displayed()
    s.find(f"{item} [data-action=chat-copy]").click()
    toast = s.wait_until("(() => { const t = (document.getElementById('toast') || {}).textContent || '';"
                         " return /copied|copy/i.test(t) && t; })()", timeout=10)
    assert toast == "Text copied.", toast
    s.execute(f"document.querySelector(\"{item}\").scrollIntoView({{ block: 'center' }});")
    shot(s, "teacher-families-chat")
    axe(s, "teacher-families-chat")
    s.find(f"{item} [data-action=chat-sent]").click()
    s.wait_until(f"!document.querySelector(\"{item}\")", timeout=30)
    assert all(x["delivery_id"] != m["delivery_id"] for x in cli_json("chat", "list"))
    row = f"[data-testid=families] tr[data-contact-id='{hine['id']}']"
    s.wait_until(f"(document.querySelector(\"{row}\") || {{}}).textContent.includes('chat message')",
                 timeout=30)
    cli("contact", "edit", str(hine["id"]), "--channel", hine["channel"])


def families_strip_marks_each_week_with_words(s):
    """Issue 16, part 7: each family's last 8 weeks are a strip of marks in inline SVG, a
    shape per way of reaching them (readable without colour), each week with its words
    ("Week of 16 Nov: email") as a <title> and in the strip's aria-label; the rows come in
    the core's order (the left out first); a phone call logged now marks this week."""
    unlock_if_locked(s)
    cli("sync")  # what is due goes out (nothing new when the story synced already)
    never = next((c for c in cli_json("contact", "list")
                  if c["channel"] == "none"), None)
    show_screen(s, "goals")  # changed from outside: draw Families afresh
    show_screen(s, "families")
    s.wait("[data-testid=families] tbody tr [data-testid=family-strip] svg")
    rows = s.execute("""
        return [...document.querySelectorAll('[data-testid=families] tbody tr')].map((tr) => {
          const svg = tr.querySelector('[data-testid=family-strip] svg');
          return { id: Number(tr.dataset.contactId), role: svg.getAttribute('role'),
                   label: svg.getAttribute('aria-label'),
                   weeks: [...svg.querySelectorAll('g.week')].map((g) => ({
                     kinds: g.dataset.kinds, title: g.querySelector('title').textContent,
                     shapes: g.querySelectorAll('[class^=mark-]').length })) };
        });""")
    assert rows, "the families table has rows"
    for r in rows:
        assert r["role"] == "img" and len(r["weeks"]) == 8, r
        titles = [w["title"] for w in r["weeks"]]
        assert r["label"] == "; ".join(titles), r
        for w in r["weeks"]:
            assert re.match(r"^Week of .+: .+$", w["title"]), w
            if w["kinds"] == "nothing":
                assert w["title"].endswith(": nothing"), w
            else:
                assert len(w["kinds"].split()) == w["shapes"], f"a mark per way: {w}"
    reached = [r for r in rows if r["weeks"][-1]["kinds"] != "nothing"]
    assert any("email" in r["weeks"][-1]["kinds"] and r["weeks"][-1]["title"].endswith("email")
               for r in reached), f"the sync's emails mark this week: {rows}"
    core = try_invoke(s, "families_list")["ok"]["families"]
    assert [r["id"] for r in rows] == [f["contact_id"] for f in core], "the core's order, worst first"
    assert s.find("[data-testid=strip-legend]").displayed()
    shot(s, "teacher-families-strip")
    axe(s, "teacher-families-strip")
    if never:
        cli("contact", "log", str(never["id"]), "--method", "phone")
        show_screen(s, "goals")
        show_screen(s, "families")
        row = f"[data-testid=families] tr[data-contact-id='{never['id']}'] g.week.this-week"
        s.wait(row)
        s.wait_until(f"document.querySelector(\"{row}\").dataset.kinds.includes('by_hand')", timeout=30)
        title = s.execute(f"return document.querySelector(\"{row} title\").textContent;")
        assert title.endswith("by hand"), title


def goals_screen_prints_goal_sheets(s):
    """Issue 16, part 5: the Goals screen prints the whole class's goal sheets (one file, a
    page each) and one student's, written to the print folder and opened (the file manager
    is a recorder here: GOALPOST_FILE_MANAGER)."""
    unlock_if_locked(s)
    show_screen(s, "goals")
    button = s.wait("[data-testid=goal-sheets-print-all]")
    if os.path.exists(Env.opened):
        os.remove(Env.opened)
    button.click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not os.path.exists(Env.opened):
        time.sleep(0.1)
    with open(Env.opened) as f:
        opened = f.read().strip()
    assert opened == os.path.join(Env.data, "print", "goal-sheets-class.html"), opened
    with open(opened, encoding="utf-8") as f:
        html = f.read()
    students = cli_json("student", "list")
    assert html.count('<section class="page"') == len(students), "a page per student"
    toast = s.wait_until("(document.getElementById('toast') || {}).textContent", timeout=10)
    assert "goal-sheets-class.html" in toast, toast
    os.remove(Env.opened)
    first = students[0]
    s.find(f"[data-testid=goals] li.goal-student button[aria-label$='{first['display_name']}']").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not os.path.exists(Env.opened):
        time.sleep(0.1)
    with open(Env.opened) as f:
        assert os.path.basename(f.read().strip()).startswith(f"goal-sheet-s{first['id']}-")
    axe(s, "teacher-goals-print")


def teacher_approves_the_childs_note_in_review(s):
    """Issue 16, part 2: the child's note waits in Review with their name and the words as
    written; the teacher approves it, and the next sync sends it to that child's contacts
    only (here: the email in the outbox folder, no mail server yet)."""
    unlock_if_locked(s)
    note = Env.facts.get("note")
    if not note:
        child = first_child()
        cli("note", "add", "--student", str(child["id"]), "--text", "Come and see my reading goal on Thursday!")
        note = [n for n in cli_json("note", "list") if n["student_id"] == child["id"]][-1]
    show_screen(s, "goals")
    show_screen(s, "review")
    item = f"[data-testid=review-notes] li[data-note-id='{note['id']}']"
    s.wait(item)
    assert s.find(f"{item} .note-text").text == note["text"]
    assert note["display_name"] in s.find(f"{item} .note-from").text
    shot(s, "teacher-review-notes")
    axe(s, "teacher-review-notes")
    s.find(f"{item} [data-action=note-approve]").click()
    s.wait_until(f"!document.querySelector(\"{item}\")", timeout=30)
    mine = [n for n in cli_json("note", "list", "--all") if n["id"] == note["id"]][0]
    assert mine["status"] == "approved", mine
    before = set(glob.glob(os.path.join(Env.data, "outbox", "*.eml")))
    cli("sync")
    new = sorted(set(glob.glob(os.path.join(Env.data, "outbox", "*.eml"))) - before)
    notes = []
    for p in new:
        with open(p, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        body = msg.get_body(preferencelist=("plain",)).get_content()
        if note["text"] in body:
            notes.append(str(msg["To"]))
    own = [c["email"] for c in cli_json("contact", "list")
           if c["email"] and any(l["student_id"] == note["student_id"] for l in c["students"])
           and c["channel"] in ("email", "weekly")]
    assert notes and all(any(o in to for o in own) for to in notes), (notes, own)


def settings_mail_server_sends_a_test_email_and_folders_open(s):
    """The teacher fills in the mail server as the school's instructions give it, sends a
    test email that a real SMTP server on 127.0.0.1 receives, and opens the theme folder
    (the file manager is a recorder here: GOALPOST_FILE_MANAGER)."""
    from aiosmtpd.controller import Controller

    got = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            got.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            return "250 OK"

    port = free_port()
    smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
    smtp.start()
    try:
        unlock_if_locked(s)
        show_screen(s, "settings")
        assert "outbox" in s.find("[data-testid=mail-where]").text
        for css, value in (("#set-smtp-host", "127.0.0.1"), ("#set-smtp-port", str(port)),
                           ("#set-smtp-from", "room7@school.example")):
            box = s.find(css)
            box.clear()
            box.send_keys(value)
        s.find("section[aria-labelledby=settings-mail] form button[type=submit]").click()
        s.wait_until("(document.querySelector('[data-testid=mail-where]') || {}).textContent"
                     f".includes('127.0.0.1 (port {port})')")
        assert cli("config", "get", "smtp.url").strip() == f"smtp://127.0.0.1:{port}"
        to = s.find("#set-mail-test-to")
        to.clear()
        to.send_keys("family.test@example.org")
        s.find("form[aria-labelledby=settings-mail-test] button[type=submit]").click()
        s.wait("[data-testid=mail-test-result]", timeout=60)
        assert "family.test@example.org" in s.find("[data-testid=mail-test-result]").text
        assert len(got) == 1, got
        assert got[0][0] == "room7@school.example" and got[0][1] == ["family.test@example.org"], got
        shot(s, "teacher-settings-mail")
        axe(s, "teacher-settings-mail")

        # A wrong sender address is refused in place, and nothing changes.
        box = s.find("#set-smtp-from")
        box.clear()
        box.send_keys("not an address")
        s.find("section[aria-labelledby=settings-mail] form button[type=submit]").click()
        s.wait("section[aria-labelledby=settings-mail] .error")
        assert "smtp.from" in s.find("section[aria-labelledby=settings-mail] .error").text
        assert cli("config", "get", "smtp.from").strip() == "room7@school.example"
    finally:
        smtp.stop()

    # The theme folder opens, with the built-in templates beside it to start from.
    if os.path.exists(Env.opened):  # an earlier step (goal sheets, portfolios) opened a file
        os.remove(Env.opened)
    s.find("button[data-folder=theme]").click()
    theme = os.path.join(Env.data, "theme")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not os.path.exists(Env.opened):
        time.sleep(0.2)
    with open(Env.opened) as f:
        assert f.read().strip().endswith(theme), "the file manager was asked to open the theme folder"
    assert os.path.isfile(os.path.join(theme, "built-in", "base.html"))
    # Settings back to the outbox folder for the steps after this one.
    cli("config", "set", "smtp.url", "")


def settings_saves_how_often_families_hear_and_what_is_kept(s):
    """Issues 15 and 16 on the Settings screen: the most messages a family gets in a week
    and the weekly day, and what is kept (automatic backups, photo originals) are saved
    card by card; a value out of range is refused in place naming the setting, and none
    of that card's values is saved."""
    unlock_if_locked(s)
    show_screen(s, "settings")
    families = "form[aria-labelledby=settings-families]"
    assert s.find("#set-max-per-week").prop("value") == cli("config", "get", "mail.max_per_week").strip()
    most = s.find("#set-max-per-week")
    most.clear()
    most.send_keys("2")
    s.execute("const d = document.getElementById('set-weekly-day'); d.value = 'monday';"
              "d.dispatchEvent(new Event('change'));")
    s.find(f"{families} button[type=submit]").click()
    deadline = time.monotonic() + 30
    while cli("config", "get", "mail.max_per_week").strip() != "2":
        assert time.monotonic() < deadline, "the weekly most was not saved"
        time.sleep(0.3)
    assert cli("config", "get", "mail.weekly_day").strip() == "monday"

    keeping = "form[aria-labelledby=settings-keeping]"
    usb = os.path.join(Env.tmp, "usb-backups")
    os.makedirs(usb, exist_ok=True)
    for css, value in (("#set-backup-dir", usb), ("#set-keep-daily", "400"), ("#set-keep-originals", "30")):
        box = s.find(css)
        box.clear()
        box.send_keys(value)
    s.find(f"{keeping} button[type=submit]").click()
    s.wait(f"{keeping} .error")
    text = s.find(f"{keeping} .error").text
    assert "backup.keep_daily" in text and "400" in text, text
    assert cli("config", "get", "backup.dir").strip() == "", "nothing of the card was saved"
    assert cli("config", "get", "photo.keep_originals_days").strip() == "0"
    box = s.find("#set-keep-daily")
    box.clear()
    box.send_keys("5")
    s.find(f"{keeping} button[type=submit]").click()
    deadline = time.monotonic() + 30
    while cli("config", "get", "backup.keep_daily").strip() != "5":
        assert time.monotonic() < deadline, "the keeping card was not saved"
        time.sleep(0.3)
    assert cli("config", "get", "backup.dir").strip() == usb
    assert cli("config", "get", "photo.keep_originals_days").strip() == "30"
    shot(s, "teacher-settings-keeping")
    axe(s, "teacher-settings-keeping")
    # Back as the story had them.
    for key in ("mail.max_per_week", "mail.weekly_day", "backup.dir", "backup.keep_daily",
                "photo.keep_originals_days"):
        cli("config", "set", key, "")


def sync_screen_says_when_the_automatic_backup_failed(s):
    """Issue 15: a failed automatic backup is reported in the sync's summary on the Sync
    screen, never skipped (here the USB stick of backup.dir is not plugged in)."""
    unlock_if_locked(s)
    stick = os.path.join(Env.tmp, "usb stick not plugged in")
    os.makedirs(stick, exist_ok=True)
    cli("config", "set", "backup.dir", stick)
    os.rmdir(stick)
    try:
        show_screen(s, "sync")
        s.find("#sync-run").click()
        s.wait("[data-testid=sync-summary]", timeout=300)
        failed = s.wait("[data-testid=sync-class-data] li.problem[data-kind=backup-failed]")
        assert "usb stick not plugged in" in failed.text, failed.text
        assert s.find("#sync-status-title").text == "Done, with problems to look at", s.find("#sync-status-title").text
        shot(s, "teacher-sync-backup-failed")
        axe(s, "teacher-sync-backup-failed")
    finally:
        cli("config", "set", "backup.dir", "")


def a_new_pc_restores_the_class_from_the_backup_file(s):
    """Issue 15 in the window: the app opened on a new PC (a folder with no class) offers
    to restore the class from its backup file or to start a new one. A new class with a
    wrong email is refused in place and writes nothing; the backup file (the dialog answers
    with it: GOALPOST_PICK_FILE) brings the whole class back, which then asks for its PIN
    and shows its students and photos."""
    wel = "#welcome"
    s.wait_until(f"!document.querySelector('{wel}').hidden")
    assert s.execute("return document.getElementById('lock-screen').hidden && document.getElementById('app').hidden;")
    assert Env.new_pc in s.find("[data-testid=welcome-folder]").text
    shot(s, "teacher-welcome")
    axe(s, "teacher-welcome")
    assert re.fullmatch(r"[a-z]{2,3}", s.find("#new-language").prop("value")), "a language, not a locale name"
    for css, value in (("#new-school", "Kōwhai Primary"), ("#new-class", "Room 9"),
                       ("#new-teacher", "Ms Te Rangi"), ("#new-teacher-email", "not an address")):
        box = s.find(css)
        box.clear()
        box.send_keys(value)
    s.find("form[aria-labelledby=welcome-new] button[type=submit]").click()
    s.wait("form[aria-labelledby=welcome-new] .error:not([hidden])")
    assert "not an address" in s.find("form[aria-labelledby=welcome-new] .error").text
    assert not os.path.exists(os.path.join(Env.new_pc, "goalpost.sqlite3")), "no half-made class"

    s.find(f"{wel} button[data-action=restore-file]").click()
    # The class restored has the teacher PIN: the lock screen, then the class.
    s.wait_until("!document.getElementById('lock-screen').hidden", timeout=120)
    assert s.execute("return document.getElementById('welcome').hidden;")
    unlock_if_locked(s)
    show_screen(s, "class")
    s.wait("[data-testid=students] tbody tr")
    assert s.find("[data-testid=class-name]").text == "Room 7"
    rows = texts(s, "[data-testid=students] tbody th")
    for st in cli_json("student", "list"):  # the old PC's class
        full = f"{st['first_name']} {st['last_name']}".strip()
        assert full in rows, f"{full} not in {rows}"
    originals = os.path.join(Env.new_pc, "photos", "originals")
    assert sorted(os.listdir(originals)) == sorted(os.listdir(os.path.join(Env.data, "photos", "originals"))), \
        "every photo came back with the class"
    shot(s, "teacher-new-pc-restored")


def settings_backs_up_and_restores_the_whole_class(s):
    """Issue 15: Settings -> Back up now writes one whole-class .goalpost file into
    backups/; a student added afterwards is gone again once that backup is restored from
    the list, and the class it replaced is kept (listed as kept before a restore). The
    card shows the state of the last automatic backup."""
    unlock_if_locked(s)
    show_screen(s, "settings")
    card = "section[aria-labelledby=settings-backup]"
    backups = os.path.join(Env.data, "backups")
    before = set(os.listdir(backups)) if os.path.isdir(backups) else set()
    assert s.find(f"{card} [data-auto-backup]").text.strip()
    s.find(f"{card} button.btn.primary").click()
    s.wait_until(f"document.querySelector('{card} li[data-backup-kind=manual]') !== null")
    made = [n for n in os.listdir(backups) if n not in before and n.endswith(".goalpost")]
    assert len(made) == 1, made
    with tarfile.open(os.path.join(backups, made[0])) as t:
        names = t.getnames()
    assert names[0] == "manifest.json" and "goalpost.sqlite3" in names, names[:5]
    assert any(n.startswith("photos/originals/") for n in names), "the photos are in it"

    cli("student", "add", "--first-name", "Tuihana", "--last-name", "Backup")
    assert "Tuihana" in cli("student", "list")
    s.execute("window.confirm = () => true;")
    s.find(f"{card} li[data-backup-kind=manual] button").click()
    s.wait_until(f"document.querySelector('{card} li[data-backup-kind=before_restore]') !== null")
    assert "Tuihana" not in cli("student", "list"), "the restore brought the class back"
    shot(s, "teacher-settings-backup")
    axe(s, "teacher-settings-backup")


def speak(s, lang, settings_title):
    """Chooses the class's language in Settings, as the teacher does."""
    show_screen(s, "settings")
    s.execute("const l = document.getElementById('set-language'); l.value = arguments[0];", lang)
    s.find("form[aria-labelledby=settings-class] button[type=submit]").click()
    s.wait_until(f"document.documentElement.lang === '{lang}'")
    # Saving redraws the Settings screen; leave it once that is done, as a person would.
    s.wait_until(f"(document.querySelector('#screen h2') || {{}}).textContent === '{settings_title}'")


def screens_speak_spanish(s):
    """The class's language chosen in Settings is the app's language."""
    unlock_if_locked(s)
    speak(s, "es", "Ajustes")
    show_screen(s, "sync")
    assert s.find("#sync-run").text == "Sincronizar ahora", s.find("#sync-run").text
    shot(s, "teacher-sync-es")
    show_screen(s, "families")
    assert "Familias" in s.find("#screen h2").text
    shot(s, "teacher-families-es")
    axe(s, "teacher-families-es")


def set_email_error(contact_id, error):
    """Marks a contact's address as refused by the mail server (or clears it), as a sync
    that got a 5xx for it would. No CLI command does this on purpose, so straight in SQL."""
    db = sqlite3.connect(os.path.join(Env.data, "goalpost.sqlite3"), timeout=30)
    try:
        with db:
            db.execute("UPDATE contacts SET email_error = ? WHERE id = ?", (error, contact_id))
    finally:
        db.close()


def a_refused_address_is_fixed_on_the_class_screen(s):
    """The mail server refused a family's address for good (as a sync that got a 550 would
    leave it): the Class screen says so beside the contact, "Fix the address" opens the
    form at the email field, and saving the new address queues the refused email again."""
    unlock_if_locked(s)
    sent = cli_json("mail", "outbox", "--all")
    row = next((d for d in sent if d["channel"] == "email" and d["kind"] == "evidence"), None)
    if row is None:
        raise Skip("no email delivery to refuse (run after the sync step)")
    cid = row["contact_id"]
    db = sqlite3.connect(os.path.join(Env.data, "goalpost.sqlite3"), timeout=30)
    try:
        with db:
            db.execute("UPDATE deliveries SET status = 'failed', error_kind = 'permanent', "
                       "last_error = '550 5.1.1 no such user' WHERE id = ?", (row["id"],))
    finally:
        db.close()
    set_email_error(cid, "550 5.1.1 no such user")
    show_screen(s, "goals")  # changed from outside: draw Class afresh
    show_screen(s, "class")
    item = f"[data-contact-id='{cid}']"
    s.find(f"{item} [data-action=fix-address]").click()
    field = s.wait(f"#edit-contact-email-{cid}")
    assert s.execute("return document.activeElement.id;") == f"edit-contact-email-{cid}"
    shot(s, "teacher-class-fix-address")
    axe(s, "teacher-class-fix-address")
    field.clear()
    field.send_keys("fixed.family@example.org")
    s.find(f"{item} .edit-contact button[type=submit]").click()
    toast = s.wait_until("(() => { const t = [...document.querySelectorAll('.toast, [role=status]')]"
                         ".map((e) => e.textContent).join(' '); return /goes again/.test(t) && t; })()",
                         timeout=30)
    assert "next sync" in toast, toast
    c = next(c for c in cli_json("contact", "list") if c["id"] == cid)
    assert c["email"] == "fixed.family@example.org" and c["email_error"] is None, c
    again = next(d for d in cli_json("mail", "outbox", "--all") if d["id"] == row["id"])
    assert again["status"] == "queued", again
    s.wait_until(f"!document.querySelector(\"{item} [data-action=fix-address]\")")


def reasons_and_errors_speak_spanish(s):
    """Issue 7: core gives its reasons and errors in English; a Spanish-speaking teacher
    reads why a family cannot be reached, and what went wrong, in Spanish (core's English
    detail stays below, marked as English). Counts agree with their nouns."""
    unlock_if_locked(s)
    if s.execute("return document.documentElement.lang;") != "es":
        speak(s, "es", "Ajustes")
    # The mail server refused one family's address (as a sync would record it).
    child = Env.facts.get("child") or first_child()
    contact = [c for c in cli_json("contact", "list")
               if any(l["student_id"] == child["id"] for l in c["students"]) and c["channel"] == "email"][0]
    set_email_error(contact["id"], "550 5.1.1 no such user")
    show_screen(s, "class")  # the Families screen may be on display: come to it afresh
    show_screen(s, "families")
    row = f"[data-testid=families] tr[data-contact-id='{contact['id']}']"
    reason = s.wait(f"{row} [data-reason-code=address_refused]")
    assert reason.text.startswith("El servidor de correo rechazó su dirección"), reason.text
    assert "550 5.1.1 no such user" in reason.text, reason.text
    s.execute("arguments[0].scrollIntoView({ block: 'center' });", el(reason))
    shot(s, "teacher-families-reason-es")
    axe(s, "teacher-families-reason-es")
    # Counts in Spanish agree with their nouns ("1 familia", "2 familias").
    # (When the story's invitations have reached every family, the notice says so instead.)
    if s.execute("return !!document.querySelector('[data-testid=families-not-lately]');"):
        notice = s.find("[data-testid=families-not-lately]").text
        n = int(re.match(r"\d+", notice).group())
        assert notice.startswith(f"{n} familia no ha" if n == 1 else f"{n} familias no han"), notice
    else:
        notice = s.find("p.notice.ok").text
        assert notice.startswith("Todas las familias"), notice

    # An error from core: a goal for nobody. The headline is Spanish, the detail English.
    show_screen(s, "goals")
    s.execute("document.getElementById('goal-title').value = 'Sé contar hasta 100';")
    s.find("form[aria-labelledby=add-goal-title] button[type=submit]").click()
    headline = s.wait("[data-testid=error-headline]")
    assert headline.text == "Hay algo escrito que corregir.", headline.text
    detail = s.execute("return document.querySelector('[data-testid=error-headline] + .error-detail');")
    assert detail is not None, "the English detail follows the headline"
    d = s.execute("const e = document.querySelector('[data-testid=error-headline] + .error-detail');"
                  "return [e.lang, e.textContent];")
    assert d[0] == "en" and "choose at least one student" in d[1], d
    shot(s, "teacher-error-es")
    axe(s, "teacher-error-es")
    set_email_error(contact["id"], None)

    # Refused because a sync holds the class: said whole in Spanish, with its time.
    show_screen(s, "sync")
    with holding_the_class("sync"):
        s.find("#sync-run").click()
        box = s.wait("[data-testid=sync-error]")
        assert re.search(r"Una sincronización está en marcha desde las \d\d:\d\d; vuelve a intentarlo", box.text), box.text
    show_screen(s, "class")


# ---- the story --------------------------------------------------------------------------

def calling_the_teacher_from_the_station_meets_the_pin(s):
    """The teacher opens the station from their window, then unlocks again to approve at
    the same PC. A child at the station presses "Teacher": the teacher's window comes
    forward locked, behind the PIN."""
    unlock_if_locked(s)
    teacher = s.cmd("GET", "/window")
    s.find("#open-station").click()
    deadline = time.monotonic() + 60
    while len(s.cmd("GET", "/window/handles")) < 2:
        if time.monotonic() > deadline:
            raise Skip("WebDriver does not see the station window this app opened")
        time.sleep(0.2)
    station = [h for h in s.cmd("GET", "/window/handles") if h != teacher][0]
    unlock_if_locked(s)
    assert try_invoke(s, "teacher_status")["ok"]["unlocked"] is True
    press_teacher_at(s, station, teacher)
    r = try_invoke(s, "teacher_status")
    assert r["ok"]["unlocked"] is False, r
    assert try_invoke(s, "review_list")["err"]["kind"] == "forbidden"
    # The window shows the lock screen at once (core tells it), with nothing behind it.
    s.wait_until("!document.getElementById('lock-screen').hidden")
    assert not s.find("#app").displayed(), "nothing of the teacher screens shows"
    left = class_words_on_page(s, class_words())
    assert not left, f"locked, yet the page still holds {left}"
    shot(s, "teacher-called-from-station")
    # Close the station again for whatever runs after, as the teacher does: from the top
    # bar, behind the PIN. (WebDriver's own "close window" empties the web view but leaves
    # the app's window in place.)
    unlock_if_locked(s)
    s.find("#close-station").click()
    window_handles(s, 1, "closing the station")


# ---- one app per class (issue 13) -------------------------------------------------------

def a_second_launch_opens_the_station_inside_the_running_app(s):
    """Issue 13: the station's shortcut (`goalpost-desktop --station`) started while the
    teacher's window is open on the class hands over to the running app and ends: the
    station opens there, in the same session, which locks; the teacher's window replaces
    its screen with the lock screen at once (nothing of the class left on the page, not
    even hidden), and comes back to the same screen after the PIN. Another teacher launch
    opens no second window; a launch on another folder is an app of its own."""
    unlock_if_locked(s)
    teacher = s.cmd("GET", "/window")
    if len(s.cmd("GET", "/window/handles")) > 1:  # a station left by an earlier step
        s.find("#close-station").click()
    window_handles(s, 1, "before the second launch")
    show_screen(s, "class")
    s.wait("[data-testid=students] tbody tr")
    words = class_words()
    assert class_words_on_page(s, words), "the Class screen shows the class"

    second_launch("--station")
    handles = window_handles(s, 2, "the station did not open inside the running app")
    assert len(app_launches()) == 1, f"one app on the class: {app_launches()}"
    assert instance_name(Env.data) in bus_names(), "the app holds its class's name on the bus"
    s.cmd("POST", "/window", {"handle": teacher})
    s.wait_until("!document.getElementById('lock-screen').hidden")
    left = class_words_on_page(s, words)
    assert not left, f"locked, yet the page still holds {left}"
    r = try_invoke(s, "review_list")
    assert "err" in r and r["err"]["kind"] == "forbidden", r
    shot(s, "teacher-locked-by-a-second-launch")
    axe(s, "teacher-locked")

    press_teacher_at(s, [h for h in handles if h != teacher][0], teacher)
    assert try_invoke(s, "teacher_status")["ok"]["unlocked"] is False

    # The PIN brings back the screen the teacher was on.
    unlock_if_locked(s)
    s.wait("[data-testid=students] tbody tr")
    assert s.execute("return location.hash;") == "#class"
    assert s.find("[data-screen=class]").attr("aria-current") == "page"

    # Another teacher launch: the same window comes forward, no second one.
    second_launch()
    window_handles(s, 2, "a second teacher launch")

    # Another data folder is another class: its own app.
    other = os.path.join(Env.tmp, "another-class")
    os.makedirs(other, exist_ok=True)
    p = subprocess.Popen([Env.app, "--data-dir", other],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while instance_name(other) not in bus_names():
            assert p.poll() is None, f"the app on another folder ended ({p.returncode})"
            assert time.monotonic() < deadline, "the app on another folder did not start"
            time.sleep(0.2)
        assert instance_name(Env.data) in bus_names()
    finally:
        p.terminate()
        p.wait(30)

    # The teacher closes the station from the top bar.
    unlock_if_locked(s)
    s.find("#close-station").click()
    window_handles(s, 1, "closing the station")


def a_station_started_as_a_kiosk_fills_the_screen(s):
    """Issue 13: `--station --fullscreen` opens the station as a kiosk (here as a second
    launch, inside the running app): its X window asks the window manager for full screen
    and no frame, and a close request (Alt+F4) is refused; the teacher's window, behind
    the PIN, closes it. The station opened by the button is a plain window, which the same
    close request closes (so the request is known to reach the app)."""
    unlock_if_locked(s)
    teacher = s.cmd("GET", "/window")
    s.find("#open-station").click()
    window_handles(s, 2, "the station")
    with X() as x:
        plain = x.windows("Goalpost station")[0]
        states, frameless = x.hints(plain)
        assert "_NET_WM_STATE_FULLSCREEN" not in states and not frameless, (states, frameless)
        started = time.monotonic()
        x.ask_to_close(plain)
    window_handles(s, 1, "a close request to the plain station")
    closed_in = time.monotonic() - started

    second_launch("--station", "--fullscreen")
    station = [h for h in window_handles(s, 2, "the kiosk station") if h != teacher][0]
    with X() as x:
        kiosk = x.windows("Goalpost station")[0]
        states, frameless = x.hints(kiosk)
        assert "_NET_WM_STATE_FULLSCREEN" in states, f"not full screen: {states}"
        assert frameless, "the kiosk has a window frame"
        x.ask_to_close(kiosk)
    # A refusal shows only as nothing happening: wait well past the time the plain
    # station took to close on the same request.
    time.sleep(max(3.0, 5 * closed_in))
    assert len(s.cmd("GET", "/window/handles")) == 2, "a close request ended the kiosk"
    s.cmd("POST", "/window", {"handle": station})
    try:
        s.wait(".name-tile")
        shot(s, "station-kiosk")
    finally:
        s.cmd("POST", "/window", {"handle": teacher})
    # The way out: the teacher's window, behind the PIN.
    assert not s.find("#close-station").displayed(), "locked: no way out without the PIN"
    unlock_if_locked(s)
    s.find("#close-station").click()
    window_handles(s, 1, "closing the kiosk")

STEPS = [
    ("station", station_cannot_call_teacher_commands),
    ("station", station_flow_from_name_to_confirmation_with_a_photo),
    ("station", station_steps_stay_usable_at_1024x768),
    ("station", station_note_to_my_family_waits_for_the_teacher),
    ("teacher", locked_teacher_window_refuses_teacher_commands),
    ("teacher", wrong_pin_is_refused_then_the_teacher_unlocks),
    ("teacher", class_screen_shows_class_name_and_students),
    ("teacher", class_screen_writes_portfolios),
    ("teacher", overlapping_draws_never_mix),
    ("teacher", teacher_approves_the_station_evidence),
    ("teacher", names_in_the_words_are_pointed_out_before_approving),
    ("teacher", goals_and_settings_screens_show),
    ("teacher", sharing_screen_adds_changes_and_cancels_a_time),
    ("teacher", sync_preview_shows_each_family_before_sending),
    ("teacher", a_second_sync_meanwhile_says_one_is_already_running),
    ("teacher", sync_writes_the_blog_page_and_the_email),
    ("teacher", families_screen_shows_who_was_reached),
    ("teacher", families_chat_list_copies_text_and_marks_sent),
    ("teacher", families_strip_marks_each_week_with_words),
    ("teacher", goals_screen_prints_goal_sheets),
    ("teacher", teacher_approves_the_childs_note_in_review),
    ("teacher", a_refused_address_is_fixed_on_the_class_screen),
    ("teacher", settings_mail_server_sends_a_test_email_and_folders_open),
    ("teacher", settings_saves_how_often_families_hear_and_what_is_kept),
    ("teacher", sync_screen_says_when_the_automatic_backup_failed),
    ("teacher", screens_speak_spanish),
    ("teacher", reasons_and_errors_speak_spanish),
    ("teacher", calling_the_teacher_from_the_station_meets_the_pin),
    ("teacher", a_second_launch_opens_the_station_inside_the_running_app),
    ("teacher", a_station_started_as_a_kiosk_fills_the_screen),
    # Last: a restore puts the whole class back as it was a moment before, which the
    # steps above need not think about.
    ("teacher", settings_backs_up_and_restores_the_whole_class),
    # A new PC: the app on an empty folder restores the class from its backup file.
    ("new_pc", a_new_pc_restores_the_class_from_the_backup_file),
]


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def start_driver():
    port, native = free_port(), free_port()
    # The file fallback is the default: scripts that run while WebKit's mock camera is
    # streaming sometimes stall WebKitWebDriver under Xvfb. E2E_MOCK_CAMERA=1 uses it.
    # The file manager, which cannot run here, is a script that writes down what it was
    # asked to open.
    Env.opened = os.path.join(Env.tmp, "opened-folder.txt")
    opener = os.path.join(Env.tmp, "file-manager")
    with open(opener, "w") as f:
        f.write(f'#!/bin/sh\nprintf "%s\\n" "$1" > "{Env.opened}"\n')
    os.chmod(opener, 0o755)
    # The folder dialog cannot be driven either: it answers with this folder.
    Env.picked = os.path.join(Env.tmp, "usb-stick")
    os.makedirs(Env.picked, exist_ok=True)
    Env.pick_file = os.path.join(Env.picked, "room7.goalpost")
    Env.new_pc = os.path.join(Env.tmp, "new pc", "Goalpost")
    env = dict(os.environ, GOALPOST_MOCK_CAMERA=os.environ.get("E2E_MOCK_CAMERA", "0"),
               GOALPOST_FILE_MANAGER=opener, GOALPOST_PICK_FOLDER=Env.picked,
               GOALPOST_PICK_FILE=Env.pick_file)
    log = open(os.path.join(Env.artifacts, "tauri-driver.log"), "w")
    p = subprocess.Popen(
        ["tauri-driver", "--port", str(port), "--native-port", str(native)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    # Ready when both tauri-driver and WebKitWebDriver answer (tauri-driver accepts
    # connections before its native driver is up: tauri issue 15156).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                pass
            with socket.create_connection(("127.0.0.1", native), timeout=2):
                return p, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    p.kill()
    raise SystemExit("tauri-driver did not start: see artifacts/tauri-driver.log")


def run_step(window, fn):
    """Runs one step; a dropped connection gets one more try in a fresh launch."""
    for attempt in (1, 2):
        try:
            fn(App.get(window))
            return attempt
        except TransportError as e:
            Env.transport.append({"step": fn.__name__, "attempt": attempt, "error": str(e),
                                  "at": time.strftime("%H:%M:%S")})
            print(f"  (connection to the app dropped in {fn.__name__}: {e}; "
                  f"{'launching it again' if attempt == 1 else 'giving up'})", flush=True)
            App.close()
            if attempt == 2:
                raise


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--app", required=True)
    ap.add_argument("--artifacts", default="artifacts")
    ap.add_argument("-k", default="", help="run only steps whose name contains this")
    a = ap.parse_args()
    Env.app = os.path.abspath(a.app)
    Env.artifacts = os.path.abspath(a.artifacts)
    Env.shots = os.path.join(Env.artifacts, "screenshots")
    os.makedirs(Env.shots, exist_ok=True)
    Env.tmp = tempfile.mkdtemp(prefix="goalpost-e2e-")
    started = time.monotonic()
    make_class()
    driver, Env.driver_url = start_driver()
    steps = [(w, f) for w, f in STEPS if a.k in f.__name__]
    passed = failed = 0
    try:
        for window, fn in steps:
            t0 = time.monotonic()
            try:
                attempts = run_step(window, fn)
                passed += 1
                again = " after a dropped connection" if attempts > 1 else ""
                print(f"PASS {fn.__name__} ({time.monotonic() - t0:.1f}s){again}", flush=True)
            except Skip as e:
                print(f"SKIP {fn.__name__}: {e}", flush=True)
            except Exception:  # noqa: BLE001 - report every failure and go on
                failed += 1
                print(f"FAIL {fn.__name__}", flush=True)
                traceback.print_exc()
                try:
                    if App.session is not None:
                        shot(App.session, f"FAILED-{fn.__name__}")
                except Exception:  # noqa: BLE001
                    pass
    finally:
        App.close()
        driver.terminate()
        try:
            driver.wait(10)
        except subprocess.TimeoutExpired:
            driver.kill()
        shutil.rmtree(Env.tmp, ignore_errors=True)

    problems = [f"{page}: {v['id']} ({v.get('impact')}): {v['help']} at {v.get('nodes')}"
                for page, found in Env.axe.items() if isinstance(found, list) for v in found]
    with open(os.path.join(Env.artifacts, "axe.json"), "w") as f:
        json.dump(Env.axe, f, indent=2)
    if Env.axe:
        if problems:
            failed += 1
            print("FAIL accessibility (axe-core, WCAG 2.1 A/AA):\n  " + "\n  ".join(problems), flush=True)
        else:
            print(f"PASS accessibility: no axe-core violations on {len(Env.axe)} pages", flush=True)
    with open(os.path.join(Env.artifacts, "e2e-transport.log"), "w") as f:
        json.dump({"steps_rerun": Env.transport, "requests_resent": webdriver.RESENT}, f, indent=2)
    Env.timings["app_launches"] = App.launches
    Env.timings["connection_drops"] = len(Env.transport) + len(webdriver.RESENT)
    Env.timings["suite_seconds"] = round(time.monotonic() - started, 1)
    with open(os.path.join(Env.artifacts, "e2e-timings.json"), "w") as f:
        json.dump(Env.timings, f, indent=2)
    print("timings:", json.dumps(Env.timings))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
