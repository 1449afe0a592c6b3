"""Interactive logging: whether progress bars, epoch lines and summaries go to the terminal.

Enabled (the default), they are written to the console as they are drawn. Disabled (a job on a
server, whose output goes to a log file), each line is instead one record of Python's ``logging``
at level INFO on the logger ``"keras"``, so that the program's logging configuration decides where
it goes; Keras sends them to ``absl.logging`` the same way, which handkeras does not depend on."""

import logging
import re

LOGGER = logging.getLogger("keras")

_interactive = True

# Cursor moves and colours: they redraw a line in a terminal and mean nothing in a log.
_CONTROL = re.compile(r"\x1b\[[0-9;]*m|[\b\r]")


def enable_interactive_logging():
    """Write progress bars, epoch lines and summaries to the console (the default)."""
    global _interactive
    _interactive = True


def disable_interactive_logging():
    """Send progress bars, epoch lines and summaries to the ``"keras"`` logger instead of the
    console, one INFO record per line drawn."""
    global _interactive
    _interactive = False


def is_interactive_logging_enabled():
    """True when output goes to the console, False when it goes to the ``"keras"`` logger."""
    return _interactive


def log_text(text):
    """Record ``text`` at INFO on the ``"keras"`` logger, without its terminal control
    characters or the blanks around it; text that has nothing left is not recorded."""
    text = _CONTROL.sub("", text).strip()
    if text:
        LOGGER.info(text)
