"""The measurements behind scripts/bench-app. See that script for what is measured.

Launch: the app is started through tauri-driver; the page marks `goalpost-ready` when its
first screen is drawn with data. The figure is that mark's wall-clock time minus the
app process's start time (from /proc), so WebDriver's own start-up is not counted.
Submit: the station's Send click to the confirmation screen, timed inside the page.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "e2e"))
import suite  # noqa: E402
from webdriver import Session  # noqa: E402


def process_start_ms(pid):
    """The wall-clock start of process `pid` in ms since the epoch (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    start_ticks = int(fields[19])
    hz = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        btime = next(int(l.split()[1]) for l in f if l.startswith("btime"))
    return (btime + start_ticks / hz) * 1000.0


def app_pid(app):
    out = subprocess.run(["pgrep", "-n", "-f", app], capture_output=True, text=True)
    return int(out.stdout.strip()) if out.stdout.strip() else None


def ready_epoch_ms(s):
    return s.wait_until(
        "(() => { const m = performance.getEntriesByName('goalpost-ready')[0];"
        " return m ? performance.timeOrigin + m.startTime : 0; })()", 60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--app", required=True)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    suite.Env.app = os.path.abspath(a.app)
    suite.Env.shots = os.path.abspath("artifacts/screenshots")
    suite.Env.tmp = tempfile.mkdtemp(prefix="goalpost-bench-")
    driver, suite.Env.driver_url = suite.start_driver()
    launch, launch_wd, submit = [], [], []
    try:
        d = suite.make_class("bench", students=12, pin=suite.PIN)
        # Launch to the teacher's class screen: unlocked only without a PIN, so use a
        # second class without one.
        d_open = suite.make_class("bench-open", students=12)
        for _ in range(a.runs):
            t0 = time.time() * 1000
            s = Session(suite.Env.driver_url, {"alwaysMatch": {"browserName": "wry",
                        "tauri:options": {"application": suite.Env.app, "args": ["--data-dir", d_open]}}})
            try:
                ready = ready_epoch_ms(s)
                s.wait("[data-testid=students] tbody tr")
                pid = app_pid(suite.Env.app)
                if pid:
                    launch.append(ready - process_start_ms(pid))
                launch_wd.append(ready - t0)
            finally:
                s.quit()
            time.sleep(0.5)
        for i in range(a.runs):
            s = suite.open_app(d, station=True)
            try:
                suite.submit_at_station(s, student_index=i % 4)
                submit.append(suite.Env.timings["submit_to_confirmation_ms"])
            finally:
                s.quit()
    finally:
        driver.terminate()
    result = {
        "launch_to_class_screen_ms": {"median": statistics.median(launch) if launch else None,
                                      "runs": [round(x) for x in launch]},
        "launch_including_webdriver_ms": {"median": statistics.median(launch_wd),
                                          "runs": [round(x) for x in launch_wd]},
        "submit_to_confirmation_ms": {"median": statistics.median(submit),
                                      "runs": [round(x, 1) for x in submit]},
        "targets_ms": {"launch": 2000, "submit": 300},
        "app": suite.Env.app,
    }
    os.makedirs("artifacts", exist_ok=True)
    with open("artifacts/bench-app.json", "w") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result, indent=2))
    ok = (result["launch_to_class_screen_ms"]["median"] or 1e9) < 2000 and \
        result["submit_to_confirmation_ms"]["median"] < 300
    print("within targets" if ok else "OUTSIDE targets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
