"""Reflex plugin that lets prerendered pages paint before their scripts and full stylesheet load.

After the production build, ``first_paint.mjs`` rewrites every prerendered HTML
file: the CSS rules the page's own elements need are inlined, the full Radix
stylesheet loads without blocking rendering, and the hydration modules start
after the first frame. A borrower on a slow phone connection therefore reads
the page while React is still loading. The page becomes interactive no sooner
than before. Reflex compresses the rewritten files afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
import subprocess
from pathlib import Path
from typing import Any

from reflex.config import get_config
from reflex.plugins import Plugin
from reflex.utils import path_ops, prerequisites

logger = logging.getLogger(__name__)

# beasties computes a page's critical CSS from its HTML (Apache-2.0, npm registry).
BEASTIES_PACKAGE = "beasties@0.3.5"
SCRIPT = Path(__file__).with_name("first_paint.mjs")
TIMEOUT_SECONDS = 600
# Color modes the script can write into the HTML. With "system" the browser resolves the mode at load time.
FIXED_APPEARANCES = ("light", "dark")


@dataclasses.dataclass
class FirstPaintPlugin(Plugin):
    """Rewrite the built pages for an early first paint (see the module docstring)."""

    def get_frontend_development_dependencies(self, **context: Any) -> tuple[str, ...]:
        """Return the npm package the rewrite needs.

        A development dependency, because Reflex 0.10.1 imports every plugin's
        runtime dependency into the root module of the browser bundle.
        """
        return (BEASTIES_PACKAGE,)

    def post_build(self, **context: Any) -> None:
        """Rewrite the HTML files under ``context["static_dir"]``.

        A failure is logged and leaves the pages as Reflex built them. They
        still work, but their first paint waits for the scripts again.
        """
        static_dir = Path(context["static_dir"]).resolve()
        runtime = path_ops.get_node_path() or path_ops.get_bun_path()
        if runtime is None:
            logger.error("First-paint rewrite skipped: neither node nor bun was found. Install Node.js and rebuild")
            return
        command = [str(runtime), str(SCRIPT), str(static_dir)]
        appearance = get_config().default_color_mode
        if appearance in FIXED_APPEARANCES:
            command.append(appearance)
        try:
            result = subprocess.run(
                command,
                cwd=prerequisites.get_web_dir(),
                capture_output=True,
                text=True,
                timeout=TIMEOUT_SECONDS,
                check=True,
            )
        except subprocess.CalledProcessError as error:
            logger.error(
                "First-paint rewrite of %s failed with exit status %s, pages left as built: %s",
                static_dir, error.returncode, error.stderr.strip(),
            )
            return
        except subprocess.TimeoutExpired:
            logger.error("First-paint rewrite timed out after %s s in %s", TIMEOUT_SECONDS, static_dir)
            return
        logger.info("%s", result.stdout.strip())
