"""The log-record factory that escapes terminal controls in every message."""

from __future__ import annotations

import logging
import numbers

from commons.unicode_controls import terminal_safe

# Marks the factory this plugin installed, so a second registration (the
# preview builds again in one process) does not wrap it twice.
MARK = "_commons_terminal_safe"


def _safe_argument(value):
    # Numbers stay numbers (a message may format them with %d); anything else
    # is replaced by its escaped text when its text holds a control.
    if isinstance(value, numbers.Number):
        return value
    text = str(value)
    shown = terminal_safe(text)
    return value if shown == text else shown


def safe_record(record: logging.LogRecord) -> logging.LogRecord:
    """`record` with controls escaped in its message, arguments and traceback.

    Newlines stay: Commons' messages list problems on several lines.
    """
    if isinstance(record.msg, str):
        record.msg = terminal_safe(record.msg)
    else:
        record.msg = _safe_argument(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(_safe_argument(value) for value in record.args)
    elif isinstance(record.args, dict):
        record.args = {key: _safe_argument(value) for key, value in record.args.items()}
    if record.exc_info and not record.exc_text:
        record.exc_text = terminal_safe(logging.Formatter().formatException(record.exc_info))
    return record


def install_factory() -> None:
    current = logging.getLogRecordFactory()
    if getattr(current, MARK, False):
        return

    def make_record(*args, **kwargs):
        return safe_record(current(*args, **kwargs))

    setattr(make_record, MARK, True)
    logging.setLogRecordFactory(make_record)


def register():
    install_factory()
