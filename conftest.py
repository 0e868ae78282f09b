"""Shared pytest fixtures: a fixed clock, users with roles, and the browser (Debian's Chromium)."""

import os

import pytest

os.environ.setdefault("JINGZHI_FAST_HASHER", "1")


@pytest.fixture(scope="session")
def browser_launch_args():
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ]
