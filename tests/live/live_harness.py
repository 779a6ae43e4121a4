"""Live widget tests: serve notebooks with Voila, drive their widgets in Chromium with Playwright.

Used by tests/live/conftest.py and tests/live/test_live_widgets.py (see tests/live/README.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

from chromium import INSTALL_HINT, find_chromium

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHAPTERS = ROOT / "chapters"
FIXTURES = HERE / "fixtures"
PAGE_JS = (HERE / "wm_page.js").read_text()


# Limits of the issue (8): median input-to-figure time over all inputs, and the slowest one.
MEDIAN_LIMIT_MS = 300.0
SLOWEST_LIMIT_MS = 1000.0
# How long one input may take before it counts as "the figure never updated".
UPDATE_TIMEOUT_MS = 8000
# Voila runs the whole notebook before it sends the page; chapters take up to ~20 s.
EXECUTE_TIMEOUT_S = 120
PAGE_TIMEOUT_MS = 360_000

# Voila's lab template links Font Awesome from a CDN. Nothing in the course needs it, and this
# machine has no internet: the request is answered locally with an empty stylesheet so that it
# neither leaves the machine nor logs a console error. Every other outside request is blocked and
# reported as a failure.
STUBBED_OUTSIDE = ("cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free",)

# A notebook shows widgets when a cell's saved output is a widget view. Module names do not
# decide it (chapters build their widgets from rnnlib.book topic modules, and the standard
# first cell imports ipywidgets only to check that it is installed).
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
# For a notebook saved without outputs: a call that builds a widget (rnnlib's `*_widget(...)`
# functions, LiveWidget, ipywidgets' interact/interactive/interactive_output, or a control
# such as widgets.IntSlider(...)).
WIDGET_CALL = re.compile(
    r"\b\w+_widget\s*\(|\bLiveWidget\s*\(|\binteract(?:ive|ive_output)?\s*\("
    r"|\bwidgets\.[A-Z]\w*\s*\("
)


# What the pages of this pytest session gave, for the table printed at the end (conftest.py).
RESULTS: dict[str, list] = {"chapters": [], "fixtures": []}
CLOCK: dict[str, float] = {}


# ---------------------------------------------------------------- discovery


def notebook_uses_widgets(path: Path) -> bool:
    """True if a notebook shows ipywidgets, judged by what its cells do, not by what they import.

    A notebook with saved outputs shows widgets if some code cell's output is a widget view
    (WIDGET_VIEW_MIME). A notebook saved without any output (never executed) is judged by its
    code instead: some code cell calls a function that builds a widget (WIDGET_CALL, comments
    left out). An import of ipywidgets alone, as in the standard first cell, does not count.
    """
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    code_cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    outputs = [out for c in code_cells for out in c.get("outputs", [])]
    if outputs:
        return any(WIDGET_VIEW_MIME in out.get("data", {}) for out in outputs)
    for cell in code_cells:
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        code = "\n".join(line.split("#", 1)[0] for line in src.splitlines())
        if WIDGET_CALL.search(code):
            return True
    return False


def widget_chapters() -> list[Path]:
    """Every notebook in chapters/ that has widgets, in file order."""
    if not CHAPTERS.is_dir():
        return []
    return [p for p in sorted(CHAPTERS.glob("*.ipynb")) if notebook_uses_widgets(p)]


# ---------------------------------------------------------------- browser


def chromium_path() -> str:
    """The Chromium binary to drive (tests/chromium.py), or an error saying how to install one."""
    found = find_chromium()
    if found is None:
        raise FileNotFoundError(INSTALL_HINT)
    return found


# ---------------------------------------------------------------- Voila


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class VoilaServer:
    """One Voila server on 127.0.0.1 serving the repository (chapters/ and tests/live/fixtures/).

    The kernel is this interpreter (sys.executable), through a kernelspec written to a private
    JUPYTER_PATH, so the notebooks run in the environment that runs the tests.
    """

    def __init__(self, root: Path = ROOT):
        self.root = root
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.tmp = Path(tempfile.mkdtemp(prefix="wm-live-"))
        self.log_path = self.tmp / "voila.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 90.0) -> None:
        kdir = self.tmp / "jupyter" / "kernels" / "python3"
        kdir.mkdir(parents=True)
        (kdir / "kernel.json").write_text(
            json.dumps(
                {
                    "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                    "display_name": "Python 3 (tests/live)",
                    "language": "python",
                    "metadata": {"debugger": False},
                }
            )
        )
        env = dict(os.environ)
        env["JUPYTER_PATH"] = os.pathsep.join(
            [str(self.tmp / "jupyter")] + ([env["JUPYTER_PATH"]] if env.get("JUPYTER_PATH") else [])
        )
        env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        env.pop("MPLBACKEND", None)  # the kernel's inline backend, as for a reader
        cmd = [
            sys.executable,
            "-m",
            "voila",
            str(self.root),
            "--no-browser",
            f"--port={self.port}",
            "--Voila.ip=127.0.0.1",
            "--show_tracebacks=True",  # keep stderr and tracebacks in the page
            "--strip_sources=True",
            "--theme=light",
            f"--VoilaExecutor.timeout={EXECUTE_TIMEOUT_S}",
            "--VoilaExecutor.startup_timeout=120",
            f"--ServerApp.root_dir={self.root}",
        ]
        with open(self.log_path, "w") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"Voila exited with {self.proc.returncode} at start:\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.base + "/", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(
            f"Voila did not answer on {self.base} within {timeout:.0f} s:\n{self.log_tail()}"
        )

    def url(self, notebook: Path) -> str:
        rel = notebook.resolve().relative_to(self.root.resolve()).as_posix()
        return f"{self.base}/voila/render/{quote(rel)}"

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is not None:
            kids = _descendants(self.proc.pid)
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)  # Voila shuts its kernels down
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
            for pid in kids:  # kernels that outlived their server, by process id
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        shutil.rmtree(self.tmp, ignore_errors=True)


def _descendants(pid: int) -> list[int]:
    """Process ids of every descendant of `pid` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").glob("[0-9]*"):
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(d.name))
        except (OSError, IndexError, ValueError):
            continue
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


# ---------------------------------------------------------------- driving one page


@dataclass
class Measure:
    page: str  # chapter or fixture file name
    control: str  # "cell 3 slider scale"
    action: str  # "ArrowRight 1.0 -> 1.1"
    ms: float | None  # input to updated figure, None if it never updated
    ok: bool
    note: str = ""


@dataclass
class PageReport:
    page: str
    measures: list[Measure] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    load_s: float = 0.0
    total_s: float = 0.0
    controls: int = 0

    def fail(self, msg: str) -> None:
        self.failures.append(msg)


class PageDriver:
    """Opens one notebook in Voila and acts on every control as a reader would."""

    def __init__(
        self,
        browser,
        server: VoilaServer,
        notebook: Path,
        expect_widgets: bool = True,
        update_timeout_ms: int = UPDATE_TIMEOUT_MS,
    ):
        self.update_timeout_ms = update_timeout_ms
        self.browser = browser
        self.server = server
        self.notebook = notebook
        self.name = notebook.name
        self.expect_widgets = expect_widgets
        self.report = PageReport(page=self.name)
        self.console_errors: list[str] = []
        self.outside: list[str] = []

    # -- page setup
    def _route(self, route):
        url = route.request.url
        host = urlparse(url).hostname or ""
        if host in ("127.0.0.1", "localhost") or url.startswith(("data:", "blob:")):
            return route.continue_()
        if any(s in url for s in STUBBED_OUTSIDE):
            return route.fulfill(
                status=200, content_type="text/css", body="/* stubbed by tests/live */"
            )
        self.outside.append(url)
        return route.abort()

    def _on_console(self, msg):
        if msg.type == "error":
            loc = msg.location or {}
            self.console_errors.append(
                f"{msg.text[:500]} ({loc.get('url', '')}:{loc.get('lineNumber', '')})"
            )

    def run(self) -> PageReport:
        t_start = time.monotonic()
        ctx = self.browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        self.page = page
        page.route("**/*", self._route)
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self.console_errors.append(f"uncaught page error: {e}"))
        try:
            self._load()
            self.report.load_s = time.monotonic() - t_start
            if not self.report.failures or self.expect_widgets is False:
                self._exercise()
        except Exception as e:  # noqa: BLE001  (any crash is reported as a failure of this page)
            self.report.fail(f"{type(e).__name__} while testing the page: {e}")
        finally:
            if self.outside:
                self.report.fail(
                    "requests to outside the machine (blocked): "
                    + ", ".join(sorted(set(self.outside))[:10])
                )
            try:
                page.close()
                ctx.close()
            except Exception as e:  # noqa: BLE001  (closing must not hide the report)
                self.report.notes.append(f"closing the page: {e}")
        self.report.total_s = time.monotonic() - t_start
        return self.report

    def _load(self) -> None:
        page = self.page
        page.goto(self.server.url(self.notebook), timeout=PAGE_TIMEOUT_MS, wait_until="load")
        # Voila sends the page once the kernel has run every cell; then the front end connects
        # to the kernel and renders the widget views that replace these script tags.
        # Outputs no renderer takes (myst-nb's glue, application/papermill.record/*) stay scripts.
        page.wait_for_function(
            """() => {
                if (document.getElementById('loading') || !document.querySelector('.jp-Cell')) {
                    return false;
                }
                const left = document.querySelectorAll(
                    'script[type="application/vnd.voila.cell-output+json"]');
                for (const s of left) {
                    let keys = [];
                    try {
                        keys = Object.keys(JSON.parse(s.textContent).data || {});
                    } catch (e) {
                        return false;
                    }
                    if (keys.some((k) => !k.startsWith('application/papermill.record/'))) {
                        return false;
                    }
                }
                return true;
            }""",
            timeout=120_000,
            polling=100,
        )
        page.add_script_tag(content=PAGE_JS)
        if self.expect_widgets:
            try:
                page.wait_for_function(
                    "() => document.querySelectorAll('.jupyter-widgets').length > 0",
                    timeout=60_000,
                    polling=100,
                )
            except Exception:  # noqa: BLE001  (Playwright's TimeoutError: reported below)
                self.report.fail(
                    "no widget rendered in the page (the notebook builds widgets); "
                    "Voila log:\n" + self.server.log_tail(15)
                )
        page.evaluate("() => window.__wm.quiet(800, 30000)")
        for p in page.evaluate("() => window.__wm.problems()"):
            self.report.fail(f"on page load: {p}")
        if self.console_errors:
            for c in self.console_errors:
                self.report.fail(f"on page load: browser console error: {c}")
            self.console_errors.clear()

    # -- acting on controls
    MAX_OPTIONS = 8  # a dropdown / toggle group with more options visits only the first ones
    MAX_DEPTH = 3  # controls revealed by controls revealed by ... (morphing widgets)

    def _exercise(self) -> None:
        self.tested: set[str] = set()
        self.hidden: dict[str, dict] = {}
        scan = self.page.evaluate("() => window.__wm.scan()")
        for u in scan["unknown"]:
            self.report.fail(
                f"cell {u['cell']}: a control these tests cannot drive "
                f"({u['cls']}: {u['text']!r}); extend tests/live/wm_page.js"
            )
        if self.expect_widgets and not scan["controls"]:
            self.report.fail("the page has widgets but no control a reader can change")
        # The controls a reader sees first, in page order; each is changed and put back before
        # the next one. Controls that appear only after a change are tested in that state.
        self.first_seen = {c["key"] for c in scan["controls"] if c["visible"] and not c["disabled"]}
        self._explore(0, scan, only_new=False)
        for _ in range(2):  # controls that became visible for good while others were tested
            before = len(self.tested)
            self._explore(0, None, only_new=False)
            if len(self.tested) == before:
                break
        for key, c in self.hidden.items():
            if key not in self.tested:
                why = "disabled" if c["disabled"] else "hidden"
                self.report.notes.append(
                    f"{key}: {why} in every state the test reached, not exercised"
                )

    def _explore(self, depth: int, scan: dict | None, only_new: bool) -> None:
        """Exercise the visible controls not tested yet (with only_new, those that were not
        visible when the page loaded: revealed by the change just made)."""
        if depth > self.MAX_DEPTH:
            return
        scan = scan or self.page.evaluate("() => window.__wm.scan()")
        for c in scan["controls"]:
            if c["key"] in self.tested or (only_new and c["key"] in self.first_seen):
                continue
            if not c["visible"] or c["disabled"]:
                self.hidden[c["key"]] = c
                continue
            # re-read: an earlier control may have re-rendered or hidden this one
            fresh = self.page.evaluate(
                "(k) => window.__wm.scan().controls.find((x) => x.key === k) || null", c["key"]
            )
            if fresh is None or not fresh["visible"] or fresh["disabled"]:
                self.hidden[c["key"]] = c
                continue
            self.tested.add(c["key"])
            self.hidden.pop(c["key"], None)
            self.report.controls += 1
            self._exercise_control(fresh, depth)

    def _after_change(self, depth: int) -> None:
        self._explore(depth + 1, None, only_new=True)

    def _exercise_control(self, c: dict, depth: int) -> None:
        kind = c["kind"]
        if c["target"] is None and kind not in ("button", "play"):
            self.report.notes.append(
                f"{c['key']}: no Output widget in its cell; any change "
                "of an Output on the page counts"
            )
        loc = self.page.locator(f'[data-wm-id="{c["id"]}"]')
        handler = getattr(self, f"_do_{kind}", None)
        if handler is None:
            self.report.fail(f"{c['key']}: no driver for control kind {kind}")
            return
        try:
            handler(c, loc, depth)
        except Exception as e:  # noqa: BLE001  (reported as a failure of this control)
            self.report.fail(f"{c['key']}: {type(e).__name__} while acting on it: {str(e)[:400]}")

    def _measure(
        self, c: dict, action: str, act, target: str | None = "default", expect_change: bool = True
    ) -> Measure:
        """Arm the in-page timer, perform `act()`, wait for the figure, then check the page."""
        page = self.page
        tgt = c["target"] if target == "default" else target
        n_console = len(self.console_errors)
        problems_before = set(page.evaluate("() => window.__wm.problems()"))
        digest_before = page.evaluate("(t) => window.__wm.digest(t)", tgt) if tgt else ""
        page.evaluate("(t) => window.__wm.arm(t)", tgt)
        act()
        ok, note = True, ""
        try:
            page.wait_for_function(
                "() => window.__wm.done()", timeout=self.update_timeout_ms, polling="raf"
            )
        except Exception:  # noqa: BLE001, S110  (a timeout: result() below says what happened)
            pass
        res = page.evaluate("() => window.__wm.result()")
        ms = res["ms"]
        # let the callback finish (a second draw, late stderr) before looking for problems
        page.evaluate("() => window.__wm.quiet(250, 5000)")
        if ms is None:
            ok = False
            if tgt is not None and tgt in res["changed"]:
                note = (
                    f"its Output (#{tgt}) changed but the figure in it did not"
                    if res["target_img_after"]
                    else f"its Output (#{tgt}) changed but shows no figure any more"
                )
            elif tgt is not None and res["changed"]:
                note = (
                    f"its figure (Output #{tgt}) did not change within "
                    f"{self.update_timeout_ms} ms, but other Output widgets did "
                    f"({', '.join('#' + x for x in res['changed'])})"
                )
            elif tgt is not None:
                note = (
                    f"its figure (Output #{tgt}) did not change within {self.update_timeout_ms} ms"
                )
            else:
                note = f"nothing on the page changed within {self.update_timeout_ms} ms"
            if not expect_change:
                ok, note = True, "no change expected: " + note
        elif (
            res["target_img_before"] is False
            and res["target_img_after"] is False
            and tgt is not None
        ):
            note = "its Output shows no image; its text changed"
        elif tgt is not None and digest_before:
            digest_after = page.evaluate("(t) => window.__wm.digest(t)", tgt)
            if digest_after == digest_before:
                ok = False
                note = "a new image was sent, but its bytes are the same as before"
        if not res["t0_from_event"]:
            note = (note + "; " if note else "") + "timed from arm(): no input event seen"
        problems = [
            p for p in page.evaluate("() => window.__wm.problems()") if p not in problems_before
        ]
        for p in problems:
            ok = False
            note = (note + "; " if note else "") + p
        for e in self.console_errors[n_console:]:
            ok = False
            note = (note + "; " if note else "") + f"browser console error: {e}"
        m = Measure(self.name, c["key"], action, ms, ok, note)
        self.report.measures.append(m)
        if not ok:
            self.report.fail(f"{c['key']}: {action}: {note}")
        return m

    def _value(self, c: dict) -> str:
        return self.page.evaluate("([i, k]) => window.__wm.value(i, k)", [c["id"], c["kind"]])

    def _moved(self, m: Measure, c: dict, what: str, before: str, after: str) -> None:
        m.action = f"{what} {before} -> {after}"
        if before == after:
            m.ok = False
            m.note = (m.note + "; " if m.note else "") + "the input did not change the control"
            self.report.fail(f"{c['key']}: {what} did not change the control (value {before})")

    # sliders: keyboard on the handle, then the readout typed back to the first value
    def _do_slider(self, c: dict, loc, depth: int) -> None:
        start = self._value(c)
        loc.scroll_into_view_if_needed()
        for i, key in enumerate(("ArrowRight", "ArrowLeft", "End")):
            before = self._value(c)
            now = loc.get_attribute("aria-valuenow")
            if key == "ArrowRight" and now == c["max"]:
                key = "ArrowLeft"
            elif key == "ArrowLeft" and now == c["min"]:
                key = "ArrowRight"
            if key == "End" and now == c["max"]:
                key = "Home"
            loc.focus()
            m = self._measure(c, key, lambda k=key: loc.press(k))
            self._moved(m, c, key, before, self._value(c))
            if i == 0:
                self._after_change(depth)
        if self._value(c) == start:
            return
        # back to where it started: typed into a numeric readout as a reader can, else Home
        text = c.get("readout_text")
        typed = text.replace("\u2212", "-") if text is not None else None  # U+2212 minus sign
        numeric = typed is not None and re.fullmatch(r"[-+]?[\d.,eE+-]+", typed) is not None
        before = self._value(c)
        if c.get("readout") and numeric:
            readout = loc.locator(
                "xpath=ancestor::div[contains(@class,'widget-slider')][1]"
                "//div[contains(@class,'widget-readout')]"
            )
            readout.click()
            self.page.keyboard.press("Control+A")
            self.page.keyboard.type(typed)
            m = self._measure(c, "readout", lambda: self.page.keyboard.press("Enter"))
            after = self._value(c)
            self._moved(m, c, f"readout '{typed}'+Enter", before, after)
            if after != start:
                self.report.notes.append(
                    f"{c['key']}: typing {text!r} in the readout gave "
                    f"{after}, not the first value {start}"
                )
        else:
            loc.focus()
            m = self._measure(c, "Home", lambda: loc.press("Home"))
            self._moved(m, c, "Home", before, self._value(c))

    def _choose_each(self, c: dict, depth: int, options: list[str], choose, what: str) -> None:
        """Visit every other option (up to MAX_OPTIONS), then come back to the first one."""
        start = self._value(c)
        others = [o for o in options if o != start][: self.MAX_OPTIONS]
        if not others:
            self.report.notes.append(f"{c['key']}: only one option, nothing to choose")
            return
        for choice in others + [start]:
            before = self._value(c)
            m = self._measure(c, what, lambda v=choice: choose(v))
            self._moved(m, c, what, repr(unquote(before)), repr(unquote(self._value(c))))
            if choice != start:
                self._after_change(depth)

    def _do_dropdown(self, c: dict, loc, depth: int) -> None:
        # The click that opens the list comes before arm(): the time runs from the choice (its
        # input/change event), as for a reader it runs from the moment they pick an option.
        loc.scroll_into_view_if_needed()
        opts = c.get("options") or []
        start = self._value(c)
        others = [o for o in opts if o != start][: self.MAX_OPTIONS]
        if not others:
            self.report.notes.append(f"{c['key']}: only one option, nothing to choose")
            return
        for choice in others + [start]:
            before = self._value(c)
            loc.click()
            m = self._measure(c, "select", lambda v=choice: loc.select_option(v))
            self._moved(m, c, "select", repr(before), repr(self._value(c)))
            if choice != start:
                self._after_change(depth)

    _do_select = _do_dropdown

    def _do_checkbox(self, c: dict, loc, depth: int) -> None:
        loc.scroll_into_view_if_needed()
        for i in range(2):
            before = self._value(c)
            m = self._measure(c, "click", lambda: loc.click())
            self._moved(m, c, "click", before, self._value(c))
            if i == 0:
                self._after_change(depth)

    _do_togglebutton = _do_checkbox

    def _do_togglebuttons(self, c: dict, loc, depth: int) -> None:
        loc.scroll_into_view_if_needed()

        def choose(v):
            btn = loc.locator(f'button.widget-toggle-button[data-value="{v}"]')
            if btn.count() == 0:
                btn = loc.locator("button.widget-toggle-button", has_text=v)
            btn.first.click()

        self._choose_each(c, depth, c.get("options") or [], choose, "click")

    def _do_radio(self, c: dict, loc, depth: int) -> None:
        self._choose_each(
            c,
            depth,
            c.get("options") or [],
            lambda v: loc.locator(f'input[type=radio][value="{v}"]').click(),
            "click",
        )

    def _do_button(self, c: dict, loc, depth: int) -> None:
        # A button has no value: a click must change something a reader sees, in the Output
        # after it in its cell if there is one, else in any Output of the page.
        loc.scroll_into_view_if_needed()
        m = self._measure(c, "click", lambda: loc.click())
        m.action = "click"
        self._after_change(depth)

    def _do_play(self, c: dict, loc, depth: int) -> None:
        btns = loc.locator("button")
        m = self._measure(c, "play", lambda: btns.nth(0).click())
        m.action = "click play"
        btns.nth(1).click()  # pause
        self.page.evaluate("() => window.__wm.quiet(300, 5000)")

    def _do_text(self, c: dict, loc, depth: int) -> None:
        before = self._value(c)
        loc.scroll_into_view_if_needed()
        loc.click()
        self.page.keyboard.press("Control+A")
        if before and re.fullmatch(r"-?\d+", before):
            new = str(int(before) + 1)
        else:
            try:
                new = repr(float(before) + 1.0)
            except ValueError:
                new = before + "x"
        self.page.keyboard.type(new)
        m = self._measure(c, "Enter", lambda: self.page.keyboard.press("Enter"))
        m.action = f"type {before!r} -> {new!r} + Enter"


# ---------------------------------------------------------------- the table


def format_table(measures: list[Measure]) -> str:
    rows = [("page", "control", "action", "ms", "")]
    for m in measures:
        ms = "never" if m.ms is None else f"{m.ms:.0f}"
        rows.append((m.page, m.control, m.action, ms, "" if m.ok else "FAIL"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for r in rows:
        lines.append(
            "  ".join(
                [
                    r[0].ljust(widths[0]),
                    r[1].ljust(widths[1]),
                    r[2].ljust(widths[2]),
                    r[3].rjust(widths[3]),
                    r[4],
                ]
            ).rstrip()
        )
    return "\n".join(lines)


def summarize(measures: list[Measure]) -> dict:
    times = [m.ms for m in measures if m.ms is not None]
    return {
        "inputs": len(measures),
        "timed": len(times),
        "median_ms": statistics.median(times) if times else None,
        "slowest_ms": max(times) if times else None,
        "slowest": max((m for m in measures if m.ms is not None), key=lambda m: m.ms, default=None),
        "never": [m for m in measures if m.ms is None],
    }
