"""Coverage-guided fuzz target for the language: `python -m tests.engine.lang.fuzz_parser [corpus] -runs=N`.

Any text must either build a graph whose trace and console are strict JSON, or raise SourceError with a
position.
"""

from __future__ import annotations

import json
import sys

import numpy as np


def check(data: bytes) -> None:
    from engine.lang import SourceError, run

    text = data.decode("utf-8", errors="replace")
    try:
        program = run(text)
    except SourceError as error:
        assert error.line >= 1 and error.column >= 1 and error.message
        return
    with np.errstate(all="ignore"):
        trace = program.trace()
        json.dumps(trace.to_dict(), allow_nan=False)
        json.dumps(program.console(trace), allow_nan=False)


def main() -> None:
    import atheris

    with atheris.instrument_imports(include=["engine"]):
        import engine.lang  # noqa: F401
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
