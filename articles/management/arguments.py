"""What the archive's commands' arguments are read as."""

from argparse import ArgumentTypeError


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ArgumentTypeError("must be at least 1")
    return value
