"""Typed reads of environment variables, for settings.py and gunicorn.conf.py.

Standard library only: gunicorn.conf.py imports it before Django is set up.
A value of the wrong type is an error naming the variable, never a silent
default.
"""

import os


class EnvError(ValueError):
    """A variable is set to a value of the wrong type."""


def env_bool(name, default=False, environ=None):
    """Read a boolean variable; unknown spellings are an error, not False."""
    raw = (os.environ if environ is None else environ).get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise EnvError(f"{name} must be a boolean (true/false, 1/0, yes/no, on/off), got {raw!r}")


def env_int(name, default, environ=None):
    """Read an integer variable."""
    raw = (os.environ if environ is None else environ).get(name, "").strip()
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise EnvError(f"{name} must be an integer, got {raw!r}") from None


def env_list(name, environ=None):
    """A comma separated variable as a list, blanks dropped."""
    raw = (os.environ if environ is None else environ).get(name, "")
    return [item.strip() for item in raw.split(",") if item.strip()]
