"""Shared test set-up: the local Google Sheets API stand-in's fixtures."""

pytest_plugins = ["tests.sheets_standin.pytest_plugin"]
