"""Where the browser tests (tests/browser/ and tests/live/) find Chromium, and how they start it.

Debian's /usr/bin/chromium, or the binary named by ``$CHROMIUM``, or one on PATH; the flags
work as root, offline, in a container (the caller adds a user data dir where it needs one).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

INSTALL_HINT = (
    "No Chromium found for the browser tests. Install Debian's: `apt-get install -y chromium` "
    "(binary /usr/bin/chromium), or point $CHROMIUM at a Chrome/Chromium binary, or, on a "
    "machine with internet access, run `python -m playwright install chromium`."
)

NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The Chromium binary to drive, or None when there is none."""
    candidates = [os.environ.get("CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(name) for name in NAMES]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None
