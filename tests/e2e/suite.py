"""End-to-end tests of the real Goalpost desktop app, driven through tauri-driver.

Each test makes its own demo class in a temporary data folder with the app's own CLI
(`goalpost-desktop demo`, `goalpost-desktop teacher-pin`), opens the app on it through
WebDriver, and checks what a person would see, plus the database afterwards through the
CLI. Screenshots go to artifacts/screenshots/.

Run through tests/e2e/run (it builds the app and starts Xvfb). Standard library only.
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import zlib

from webdriver import Session, WebDriverError

PIN = "2468"
HERE = os.path.dirname(os.path.abspath(__file__))


class Env:
    app = None
    driver_url = None
    shots = None
    tmp = None
    timings = {}
    axe = {}


def cli(data_dir, *args, stdin=None):
    out = subprocess.run(
        [Env.app, "--data-dir", data_dir, *args],
        input=stdin, capture_output=True, text=True, timeout=120,
    )
    if out.returncode != 0:
        raise AssertionError(f"goalpost-desktop {' '.join(args)} failed: {out.stderr}")
    return out.stdout


def cli_json(data_dir, *args):
    return json.loads(cli(data_dir, "--json", *args))


def make_class(name, students=6, pin=None):
    d = os.path.join(Env.tmp, name)
    shutil.rmtree(d, ignore_errors=True)  # a retried test starts from a fresh class
    cli(d, "demo", "--students", str(students))
    if pin:
        out = subprocess.run(
            [Env.app, "teacher-pin", "--data-dir", d], input=pin + "\n",
            capture_output=True, text=True, timeout=60,
        )
        assert out.returncode == 0, out.stderr
    return d


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


def open_app(data_dir, station=False):
    """Starts the app on `data_dir` in a new WebDriver session. A session whose first
    command does not answer (a start-up race seen now and then under Xvfb) is replaced."""
    args = ["--data-dir", data_dir] + (["--station"] if station else [])
    for attempt in range(3):
        s = Session(Env.driver_url, {
            "alwaysMatch": {
                "browserName": "wry",
                "tauri:options": {"application": Env.app, "args": args},
            }
        })
        try:
            s.cmd("GET", "/title", timeout=30)
            return s
        except (OSError, WebDriverError):
            print(f"  (the app did not answer; starting it again, attempt {attempt + 2})", flush=True)
            s.quit()
    raise AssertionError("the app did not start in three tries")


def shot(s, name):
    """Saves what is on the (virtual) screen. ImageMagick's `import` reads the X display;
    WebKitWebDriver's own screenshot can hang on some pages under Xvfb, so it is only the
    fallback."""
    path = os.path.join(Env.shots, name + ".png")
    time.sleep(0.3)  # let the last change paint; the checks that matter come after
    if shutil.which("import") and os.environ.get("DISPLAY"):
        subprocess.run(["import", "-window", "root", path], check=True, timeout=30)
    else:
        s.screenshot(path)
    return path


def try_invoke(s, cmd, args=None):
    """Calls a command from inside the window, as a page script could."""
    return s.execute_async(
        """
        const [cmd, args, done] = arguments;
        window.__TAURI_INTERNALS__.invoke(cmd, args).then(
          (v) => done({ ok: v === undefined ? null : v }),
          (e) => done({ err: (e && e.kind) ? e : String((e && e.message) || e) }));
        """,
        cmd, args or {},
    )


def texts(s, css):
    return [e.text for e in s.find_all(css)]


# ---- tests ----------------------------------------------------------------------------

def test_window_shows_class_name_and_students():
    """Issue 2: the window opens on the data folder and shows the class and its students."""
    d = make_class("first-window")
    students = cli_json(d, "student", "list")
    s = open_app(d)
    try:
        title = s.wait("[data-testid=class-name]")
        s.wait_until("document.querySelector('[data-testid=class-name]').textContent.length > 0")
        assert title.text == "Room 7", title.text
        s.wait("[data-testid=students] tbody tr")
        rows = texts(s, "[data-testid=students] tbody th")
        for st in students:
            full = f"{st['first_name']} {st['last_name']}".strip()
            assert full in rows, f"{full} not in {rows}"
        shot(s, "teacher-class")
    finally:
        s.quit()


def submit_at_station(s, student_index=0):
    """Walks one child through the station; returns (display name, goal title, used camera)."""
    s.wait(".name-tile")
    shot(s, "station-names")
    tiles = s.find_all(".name-tile")
    tile = tiles[student_index]
    name = s.execute("return arguments[0].querySelector('.name').textContent;",
                     {"element-6066-11e4-a52e-4f735466cecf": tile.id})
    tile.click()
    card = s.wait(".goal-card")
    shot(s, "station-goals")
    goal = s.execute("return arguments[0].querySelector('.goal-title').textContent;", {"element-6066-11e4-a52e-4f735466cecf": card.id})
    card.click()
    s.wait("#s-photo")
    s.wait_until(
        "!document.getElementById('shoot').hidden || "
        "document.getElementById('camera-note').textContent.length > 0 && "
        "!document.getElementById('camera-note').textContent.endsWith('…')",
        60,
    )
    camera = s.execute("return !document.getElementById('shoot').hidden;")
    if camera:
        s.wait_until("document.getElementById('video').videoWidth > 0", 60)
        shot(s, "station-camera")
        s.find_all("#shoot")[0].click()
        s.wait("#keep", timeout=15)
        shot(s, "station-photo-taken")
    else:
        photo = png_file(os.path.join(Env.tmp, "work.png"))
        s.find_all("#photo-file")[0].send_keys(photo)
        s.wait("#keep", timeout=15)
        shot(s, "station-photo-file")
    s.find_all("#keep")[0].click()
    s.wait("#words")
    s.find_all("[data-starter='station.starter.1']")[0].click()
    s.find_all("#words")[0].send_keys("count by 5s to 100")
    # WebKitWebDriver cannot type characters outside the BMP: add the emoji as a paste would.
    s.execute("const w = document.getElementById('words'); w.value += ' 🎉';"
              "w.dispatchEvent(new Event('input', { bubbles: true }));")
    s.find_all("#family-message")[0].send_keys("Come and see my goal on Thursday!")
    shot(s, "station-words")
    s.execute("window.__submitStart = performance.now();"
              "window.addEventListener('goalpost:submitted', () => {"
              "  window.__submitMs = performance.now() - window.__submitStart; }, { once: true });")
    s.find_all("#send")[0].click()
    done = s.wait("[data-testid=done-title]")
    s.wait_until("window.__submitMs !== undefined")
    Env.timings["submit_to_confirmation_ms"] = s.execute("return window.__submitMs;")
    assert name in done.text, f"{name!r} not in {done.text!r}"
    shot(s, "station-done")
    return name, goal, camera


def test_station_flow_from_name_to_confirmation_with_a_photo():
    d = make_class("station", pin=PIN)
    s = open_app(d, station=True)
    try:
        name, goal, camera = submit_at_station(s)
    finally:
        s.quit()
    waiting = cli_json(d, "review", "list")
    mine = [e for e in waiting if e["display_name"] == name and e["goal_title"] == goal]
    assert len(mine) == 1, waiting
    e = mine[0]
    assert e["status"] == "waiting"
    assert e["photo_hash"], "the photo was stored"
    assert e["words"].endswith("count by 5s to 100 🎉"), e["words"]
    assert e["family_message"] == "Come and see my goal on Thursday!"
    Env.timings["camera"] = "mock camera" if camera else "file fallback"


def test_station_cannot_call_teacher_commands():
    d = make_class("station-ipc", pin=PIN)
    before = cli_json(d, "review", "list")
    s = open_app(d, station=True)
    try:
        s.wait(".name-tile")
        for cmd, args in [
            ("review_list", {}),
            ("evidence_approve_all", {}),
            ("class_overview", {}),
            ("teacher_unlock", {"pin": PIN}),
            ("setting_set", {"key": "blog.dir", "value": "/tmp/x"}),
        ]:
            r = try_invoke(s, cmd, args)
            assert "err" in r, f"the station could call {cmd}: {r}"
        # ... while its own commands work.
        assert "ok" in try_invoke(s, "station_home")
    finally:
        s.quit()
    after = cli_json(d, "review", "list")
    assert before == after, "nothing changed"


def test_teacher_unlocks_and_approves_station_evidence():
    d = make_class("review", pin=PIN)
    photo = png_file(os.path.join(Env.tmp, "evidence.png"), rgb=(220, 90, 40))
    students = cli_json(d, "student", "list")
    goals = [g for g in cli_json(d, "goal", "list") if g["status"] == "current"]
    g = goals[0]
    cli(d, "evidence", "add", "--student", str(g["student_id"]), "--goal", str(g["id"]),
        "--photo", photo, "--words", "I can now read a chapter book", "--message", "Come and see!")
    waiting = [e for e in cli_json(d, "review", "list")]
    target = [e for e in waiting if e["goal_id"] == g["id"]][0]
    s = open_app(d)
    try:
        s.wait("#pin")
        shot(s, "teacher-lock")
        # A wrong PIN is refused with a message where it happened.
        s.find_all("#pin")[0].send_keys("0000")
        s.find_all("#unlock-form button[type=submit]")[0].click()
        err = s.wait("#unlock-error")
        assert err.text, "a wrong PIN says so"
        pin = s.find_all("#pin")[0]
        pin.clear()
        pin.send_keys(PIN)
        s.find_all("#unlock-form button[type=submit]")[0].click()
        s.wait("[data-screen=review]")
        s.execute("location.hash = '#review';")
        card = s.wait(f"[data-evidence-id='{target['id']}']")
        s.wait_until(f"document.querySelector(\"[data-evidence-id='{target['id']}'] .photo img\")"
                     " && document.querySelector(\"[data-evidence-id='{target['id']}'] .photo img\").naturalWidth > 0"
                     .replace("{target['id']}", str(target["id"])))
        shot(s, "teacher-review")
        words = s.find_all(f"#words-{target['id']}")[0]
        words.clear()
        words.send_keys("I can now read a chapter book on my own")
        s.find_all(f"[data-evidence-id='{target['id']}'] [data-action=approve]")[0].click()
        s.wait_until(f"!document.querySelector(\"[data-evidence-id='{target['id']}']\")")
        for screen in ["class", "goals", "sync", "families", "settings"]:
            # Same as clicking the link; WebKitWebDriver can stall on same-page link clicks.
            s.execute(f"location.hash = '#{screen}';")
            s.wait_until(f"document.querySelector('[data-screen={screen}]').getAttribute('aria-current') === 'page'"
                         " && !document.querySelector('#screen > p.muted')")
            shot(s, f"teacher-{screen}")
    finally:
        s.quit()
    all_ev = cli_json(d, "review", "list", "--all")
    e = [x for x in all_ev if x["id"] == target["id"]][0]
    assert e["status"] == "approved", e
    assert e["words"] == "I can now read a chapter book on my own", e["words"]
    goal = [x for x in cli_json(d, "goal", "list") if x["id"] == g["id"]][0]
    assert goal["status"] == "achieved", goal
    assert students


def test_a_locked_teacher_window_refuses_teacher_commands():
    d = make_class("locked", pin=PIN)
    s = open_app(d)
    try:
        s.wait("#pin")
        r = try_invoke(s, "review_list")
        assert "err" in r and r["err"]["kind"] == "forbidden", r
        r = try_invoke(s, "teacher_status")
        assert r["ok"]["unlocked"] is False, r
    finally:
        s.quit()


AXE = os.path.join(HERE, "node_modules", "axe-core", "axe.min.js")


def axe(s, page):
    """Runs axe-core (WCAG 2.1 A and AA) on the current page; returns its violations."""
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
    return [f"{page}: {v['id']} ({v.get('impact')}): {v['help']} at {v.get('nodes')}" for v in found]


def test_accessibility_of_the_station_and_every_teacher_screen():
    """Every control labelled, sensible structure, contrast that passes (axe-core)."""
    if not os.path.exists(AXE):
        raise Skip("axe-core is missing: tests/e2e/run installs it with npm")
    problems = []
    d = make_class("a11y", pin=PIN)
    s = open_app(d, station=True)
    try:
        s.wait(".name-tile")
        problems += axe(s, "station-names")
        s.find_all(".name-tile")[0].click()
        s.wait(".goal-card")
        problems += axe(s, "station-goals")
        s.find_all(".goal-card")[0].click()
        s.wait_until("!document.getElementById('shoot').hidden || !document.getElementById('choose-file').hidden", 60)
        problems += axe(s, "station-photo")
        s.execute("document.getElementById('no-photo').click();")
        s.wait("#words")
        problems += axe(s, "station-words")
    finally:
        s.quit()
    s = open_app(d)
    try:
        s.wait("#pin")
        problems += axe(s, "teacher-lock")
        s.find_all("#pin")[0].send_keys(PIN)
        s.find_all("#unlock-form button[type=submit]")[0].click()
        for screen in ["review", "class", "goals", "sync", "families", "settings"]:
            s.wait(f"[data-screen={screen}]")
            s.execute(f"location.hash = '#{screen}';")
            s.wait_until(f"document.querySelector('[data-screen={screen}]').getAttribute('aria-current') === 'page'"
                         " && !document.querySelector('#screen > p.muted')")
            problems += axe(s, f"teacher-{screen}")
    finally:
        s.quit()
    assert not problems, "accessibility problems:\n" + "\n".join(problems)


def test_sync_writes_the_blog_page_and_the_email():
    """Needs the core sync (blog + mail), which other engineers are building."""
    out = subprocess.run([Env.app, "sync", "--help"], capture_output=True, text=True)
    if out.returncode != 0:
        raise Skip("the core has no `sync` command yet")
    raise Skip("sync screen not built yet: waits for the core sync")


class Skip(Exception):
    pass


# ---- runner ---------------------------------------------------------------------------

def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def start_driver():
    port, native = free_port(), free_port()
    # The file fallback is the default: scripts that run while WebKit's mock camera is
    # streaming sometimes stall WebKitWebDriver under Xvfb. E2E_MOCK_CAMERA=1 uses it.
    env = dict(os.environ, GOALPOST_MOCK_CAMERA=os.environ.get("E2E_MOCK_CAMERA", "0"))
    log = open(os.path.join(Env.shots, "..", "tauri-driver.log"), "w")
    p = subprocess.Popen(
        ["tauri-driver", "--port", str(port), "--native-port", str(native)],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return p, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    p.kill()
    raise SystemExit("tauri-driver did not start: see artifacts/tauri-driver.log")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--app", required=True)
    ap.add_argument("--artifacts", default="artifacts")
    ap.add_argument("-k", default="", help="run only tests whose name contains this")
    a = ap.parse_args()
    Env.app = os.path.abspath(a.app)
    Env.shots = os.path.abspath(os.path.join(a.artifacts, "screenshots"))
    os.makedirs(Env.shots, exist_ok=True)
    Env.tmp = tempfile.mkdtemp(prefix="goalpost-e2e-")
    driver, Env.driver_url = start_driver()
    tests = [(n, f) for n, f in globals().items() if n.startswith("test_") and a.k in n]
    passed = failed = skipped = 0
    try:
        for name, fn in tests:
            t0 = time.monotonic()
            try:
                try:
                    fn()
                except (OSError, http.client.HTTPException, WebDriverError) as e:
                    # WebKitWebDriver under Xvfb now and then drops a connection or stops
                    # answering (not the app: see docs/desktop.md). Such a test runs once
                    # more with a new app; a wrong result (AssertionError) never does.
                    print(f"RETRY {name}: the WebDriver connection failed ({type(e).__name__}: {e})", flush=True)
                    time.sleep(2)
                    fn()
                passed += 1
                print(f"PASS {name} ({time.monotonic() - t0:.1f}s)", flush=True)
            except Skip as e:
                skipped += 1
                print(f"SKIP {name}: {e}", flush=True)
            except Exception:  # noqa: BLE001 - report every failure and go on
                failed += 1
                print(f"FAIL {name}", flush=True)
                traceback.print_exc()
            finally:
                time.sleep(1)  # let the previous app and its WebKit processes exit
    finally:
        driver.terminate()
        try:
            driver.wait(10)
        except subprocess.TimeoutExpired:
            driver.kill()
        shutil.rmtree(Env.tmp, ignore_errors=True)
    if Env.axe:
        with open(os.path.join(a.artifacts, "axe.json"), "w") as f:
            json.dump(Env.axe, f, indent=2)
    if Env.timings:
        with open(os.path.join(a.artifacts, "e2e-timings.json"), "w") as f:
            json.dump(Env.timings, f, indent=2)
        print("timings:", json.dumps(Env.timings))
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
