"""The spaces tests' fixtures come from `jingzhi.spaces.testing`, where other tests (doors, browser) find them."""

from jingzhi.spaces.testing import at, world  # noqa: F401
