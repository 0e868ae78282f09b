"""The Open311 tests' fixtures come from `jingzhi.open311.testing`, where other tests find them too."""

from jingzhi.open311.testing import (  # noqa: F401  (fixtures and builders)
    BASE,
    REPORTER_EMAIL,
    REPORTER_NAME,
    REPORTER_PHONE,
    _fresh_rate_limits,
    build_world,
    form,
    http,
    jpeg_bytes,
    key,
    parse,
    spec_errors,
    world,
)
