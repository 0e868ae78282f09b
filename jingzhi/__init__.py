"""Jingzhi (精治): refined urban governance for a subdistrict office and its departments."""

__version__ = "0.1.0"
