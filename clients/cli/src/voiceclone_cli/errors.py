"""What can go wrong for a CLI user, each with its exit status.

    CliError          1  the service refused or failed the request
    ├── UsageError    2  bad arguments
    ├── BadFile       2  an input file is missing or not audio; an output cannot be written
    └── StackDown     3  the gateway does not answer at the configured URL
"""

from __future__ import annotations


class CliError(Exception):
    exit_code = 1


class UsageError(CliError):
    exit_code = 2


class BadFile(CliError):
    exit_code = 2


class StackDown(CliError):
    exit_code = 3
