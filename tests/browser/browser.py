"""Drive `hubtui serve` in Debian's real headless Chromium (Selenium + /usr/bin/chromedriver) and read the
page's terminal as a person would.

textual-serve's page draws the app with xterm.js on a canvas, so the text is not in the DOM. A script that
runs before the page's own records what its websocket receives (the bytes the page's terminal draws) and the
sizes it sends; pyte replays them into a screen here. Keys are typed into xterm's own input element, so they
go through the browser's keyboard handling, the page's script and the websocket, as a person's would.

Nothing downloads a browser: Selenium is given Debian's chromedriver by path (Selenium Manager is used only
when no driver path is given), and Chromium by path.
"""

from __future__ import annotations

import base64
import os
import time
from pathlib import Path

import pyte

# Debian's packages (scripts/install-deps.sh); another place can be named, never downloaded.
CHROMIUM = Path(os.environ.get("HUBTUI_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("HUBTUI_CHROMEDRIVER", "/usr/bin/chromedriver"))

# Installed before the page's scripts run (CDP Page.addScriptToEvaluateOnNewDocument).
RECORDER = r"""
(() => {
  const log = [];
  window.__hubtuiTerminal = log;
  const Native = window.WebSocket;
  class Recording extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      const size = /[?&]width=(\d+)&height=(\d+)/.exec(url);
      if (size) log.push({size: [+size[1], +size[2]]});
      this.addEventListener("message", (event) => {
        if (typeof event.data === "string") return;
        const bytes = new Uint8Array(event.data);
        let s = "";
        for (let i = 0; i < bytes.length; i += 0x8000)
          s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
        log.push({data: btoa(s)});
      });
    }
    send(data) {
      try {
        const msg = JSON.parse(data);
        if (msg[0] === "resize") log.push({size: [msg[1].width, msg[1].height]});
      } catch (e) {}
      return super.send(data);
    }
  }
  window.WebSocket = Recording;
})();
"""


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed: pip install -c constraints.txt -e '.[test]'"
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        return (f"Debian's chromium and chromium-driver are needed ({', '.join(missing)} missing): "
                "scripts/install-deps.sh installs them (make test runs it)")
    return None


def start_chromium(profile: Path, width: int = 1280, height: int = 900):
    """Chromium with its profile in `profile` (a test's own folder: left to itself, it makes one in /tmp named
    org.chromium.Chromium.* that outlives the run)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", f"--user-data-dir={profile}", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                # the page links a web font; this machine (and CI) has no internet: fail that at once
                "--host-resolver-rules=MAP fonts.googleapis.com ~NOTFOUND, MAP fonts.gstatic.com ~NOTFOUND"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})
    return driver


KEYS = {"up": "ARROW_UP", "down": "ARROW_DOWN", "left": "ARROW_LEFT", "right": "ARROW_RIGHT", "enter": "ENTER",
        "escape": "ESCAPE"}


class PageTerminal:
    """The page of a `hubtui serve` session: its screen as text, keys typed into it."""

    def __init__(self, driver, url: str):
        self.driver = driver
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.seen = 0
        driver.get(url)

    def pump(self) -> None:
        entries = self.driver.execute_script(
            "return (window.__hubtuiTerminal || []).slice(arguments[0])", self.seen)
        self.seen += len(entries)
        for entry in entries:
            if "size" in entry:
                cols, rows = entry["size"]
                self.screen.resize(rows, cols)
            else:
                self.stream.feed(base64.b64decode(entry["data"]))

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            if needle in self.text:
                return self.text
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} never appeared on the page:\n{self.text}")

    def wait_line(self, start: str, *parts: str, timeout: float = 30) -> str:
        """Wait for a line that starts with `start` (after spaces) and holds every one of `parts`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.pump()
            for line in self.screen.display:
                if line.strip().startswith(start) and all(p in line for p in parts):
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no line {start!r} with {parts} on the page:\n{self.text}")

    def press(self, *keys: str) -> None:
        """Type keys into the page (xterm's input element), one at a time, as a person would."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        field = self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        for key in keys:
            field.send_keys(getattr(Keys, KEYS[key]) if key in KEYS else key)
            time.sleep(0.25 if key == "escape" else 0.05)  # a bare ESC needs a moment before the next key

    def session_ended(self) -> bool:
        return "-closed" in (self.driver.execute_script("return document.body.className") or "")

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        return path
