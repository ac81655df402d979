"""Exceptions raised by copydesk. Each says what went wrong and, where possible, how to fix it."""

from __future__ import annotations


class CopydeskError(Exception):
    """Base class of every error copydesk raises on purpose."""


class ConfigError(CopydeskError, ValueError):
    """A configuration value is out of range or inconsistent with another one."""


class InputError(CopydeskError):
    """An input path cannot be read at all (missing, unknown format)."""


class OutputError(CopydeskError):
    """An output folder cannot be made or written to."""


class MissingExtra(CopydeskError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the '{package}' package: install it with  pip install 'copydesk[{extra}]'"
        )
        self.package = package
        self.extra = extra
        self.purpose = purpose

    def __reduce__(self) -> tuple[type[MissingExtra], tuple[str, str, str]]:
        """Pickle as a constructor call: raised in a worker process, the error must reach the main process whole
        (the default rebuilds it from the message alone, which this constructor does not take)."""
        return MissingExtra, (self.package, self.extra, self.purpose)
