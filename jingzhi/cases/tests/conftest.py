"""The cases tests' fixtures come from `jingzhi.cases.testing`, where other apps' tests find them too."""

from jingzhi.cases.testing import (  # noqa: F401  (fixtures and builders)
    COMM1,
    COMM2,
    GRID1,
    GRID2,
    IN_SUB1,
    IN_SUB2,
    OUTSIDE,
    STREET1,
    SUB1,
    SUB2,
    T0,
    D,
    as_named_reporter,
    build_people,
    build_places,
    build_taxonomy,
    frozen,
    open_case,
    walk_to,
    world,
)
