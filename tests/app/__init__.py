"""Tests of the web app: the JSON API, the pages, and hostile requests over HTTP."""
