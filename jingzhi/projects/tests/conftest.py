from jingzhi.projects.testing import at, world  # noqa: F401  (fixtures)
