#!/usr/bin/env python
"""Django's command-line utility for Jingzhi (same as the `jingzhi` console script)."""

from jingzhi.cli import main

if __name__ == "__main__":
    main()
