"""The rectification tests' fixtures come from `jingzhi.rectification.testing`, where other apps' tests find them too."""

from jingzhi.rectification.testing import (  # noqa: F401  (fixtures and builders)
    COMM1,
    COMM2,
    ON_STREET1,
    STREET1,
    STREET2,
    SUB1,
    SUB2,
    T0,
    D,
    at,
    build_people,
    build_places,
    build_taxonomy,
    day,
    make_world,
    pinned_clock,
    world,
)
