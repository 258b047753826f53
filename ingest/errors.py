"""Errors the user can act on.

Every message is written for the person at the terminal or in Slack: it says what was wrong and what to do.
The boundary (CLI, Slack handler) prints ``str(error)`` as one line; nothing below it prints.

    DualuseError
    ├── ConfigurationError      a setting is missing or malformed
    ├── ModelFileError          an offline model or tokenizer file is missing or corrupt
    ├── DocumentError           one input document cannot be ingested (names the file)
    │   └── UnsupportedTypeError
    ├── IndexError_             the index cannot be read or written
    │   └── IndexUnavailable    its server cannot be reached now (trying again later may work)
    └── AnswerError             the answering engine could not produce an answer
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError


class DualuseError(Exception):
    """Base class: the message is shown to the user as is."""


class ConfigurationError(DualuseError):
    pass


class ModelFileError(DualuseError):
    pass


class DocumentError(DualuseError):
    """A single document could not be ingested; ``source`` names it."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class UnsupportedTypeError(DocumentError):
    pass


class IndexError_(DualuseError):  # noqa: N801 - avoid shadowing the builtin IndexError
    pass


class IndexUnavailable(IndexError_):
    """The Chroma server went away (killed, restarting, the network down); the next call connects afresh."""


class AnswerError(DualuseError):
    pass


def database_unreachable(exc: BaseException) -> bool:
    """True for a failure of the database server's connection (refused, reset, dropped mid-transaction, pool
    timeout) rather than of the data: worth waiting for, keeping the work locally, and trying again."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError)
