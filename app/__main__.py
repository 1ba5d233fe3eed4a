"""`python -m app`: serve Backprop Lab with uvicorn (BACKPROP_HOST and BACKPROP_PORT override the address)."""

from __future__ import annotations

import os


def main() -> None:
    host = os.environ.get("BACKPROP_HOST", os.environ.get("HOST", "127.0.0.1"))
    port = int(os.environ.get("BACKPROP_PORT", os.environ.get("PORT", "8000")))
    try:
        import uvicorn

        from app.main import app  # noqa: F401 - checked before uvicorn starts
    except ImportError:
        print("The web app is coming; the engine is ready: `python -c 'import engine'`.")
        return
    uvicorn.run("app.main:app", host=host, port=port)


if __name__ == "__main__":
    main()
