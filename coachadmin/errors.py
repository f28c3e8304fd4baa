"""The base of every expected failure: a message meant for a person.

Core modules raise subclasses of :class:`UserFacingError` for failures a user
can act on. The command line prints ``str(error)`` on one line; the GUI shows it
in the message banner. Anything else is a bug and goes to the crash handler.
"""


class UserFacingError(Exception):
    """An expected failure whose message says what went wrong and what to do."""

    exit_code = 1


class UsageError(UserFacingError):
    """The command line or the user gave input that cannot work."""

    exit_code = 2
