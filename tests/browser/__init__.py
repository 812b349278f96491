"""Browser tests: Playwright driving Debian's chromium against a real uvicorn server."""
