"""The fictional demo district, as pure data: codes, names and GeoJSON features, no database.

`jingzhi demo` loads what this module builds through the geo and accounts actions, so the demo exercises the
same import and validation path as real boundaries. Everything here is deterministic (a fixed seed, integer
lattice indices), so two runs build byte-identical features and re-running the demo finds what it made before.

The district "示范区" (code 110199, not a real administrative code) is a lattice of 30 × 20 cells of about
100 m × 100 m around 116.37°E 39.91°N. Every cell corner is computed from its integer indices by one formula,
so neighbouring cells share their edges exactly: the grids tile each community with no gap and no overlap.
Communities are rectangles of cells inside three subdistricts; back streets run along cell centre lines.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

DISTRICT_CODE = "110199"
DISTRICT_NAME = "示范区"
ORIGIN_LON = 116.352  # north-west corner of the lattice; the district centre lies near 116.37°E 39.91°N
ORIGIN_LAT = 39.919
CELL_METRES = 100.0
COLUMNS = 30
ROWS = 20
SEED = 20170101  # the start of the 2017–2019 back-street plan; any fixed number would do

# Metres per degree at the lattice's latitude (spherical Earth; error well under 1% at this size).
_M_PER_DEG_LAT = 111_320.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(ORIGIN_LAT - ROWS * CELL_METRES / 2 / 111_320.0))
CELL_DLON = CELL_METRES / _M_PER_DEG_LON
CELL_DLAT = CELL_METRES / _M_PER_DEG_LAT


@dataclass(frozen=True)
class Block:
    """A rectangle of lattice cells: columns [col0, col1) and rows [row0, row1), row 0 being the north."""

    col0: int
    col1: int
    row0: int
    row1: int

    def cells(self):
        # North→south, then west→east: the order in which DOMAIN.md numbers grids.
        for row in range(self.row0, self.row1):
            for col in range(self.col0, self.col1):
                yield col, row

    @property
    def size(self) -> int:
        return (self.col1 - self.col0) * (self.row1 - self.row0)


@dataclass
class DemoCity:
    district: dict
    subdistricts: list[dict] = field(default_factory=list)
    communities: list[dict] = field(default_factory=list)
    grids: list[dict] = field(default_factory=list)
    streets: list[dict] = field(default_factory=list)

    def features(self, level: str) -> list[dict]:
        return {
            "district": [self.district],
            "subdistrict": self.subdistricts,
            "community": self.communities,
            "grid": self.grids,
            "street": self.streets,
        }[level]


# (code suffix, name, columns, communities as (name, block))
SUBDISTRICTS = [
    (
        "001",
        "青槐街道",
        (0, 10),
        [
            ("青槐东里社区", Block(0, 10, 0, 6)),
            ("柳荫社区", Block(0, 10, 6, 11)),
            ("砖塔社区", Block(0, 10, 11, 16)),
            ("报恩寺社区", Block(0, 10, 16, 20)),
        ],
    ),
    (
        "002",
        "丰泽街道",
        (10, 20),
        [
            ("丰泽北里社区", Block(10, 15, 0, 10)),
            ("银锭社区", Block(15, 20, 0, 10)),
            ("石碑社区", Block(10, 20, 10, 15)),
            ("榆钱社区", Block(10, 20, 15, 20)),
        ],
    ),
    (
        "003",
        "云锦街道",
        (20, 30),
        [
            ("云锦社区", Block(20, 30, 0, 7)),
            ("织染局社区", Block(20, 25, 7, 14)),
            ("灯市社区", Block(25, 30, 7, 14)),
            ("枣林社区", Block(20, 27, 14, 20)),
            ("鼓楼湾社区", Block(27, 30, 14, 20)),
        ],
    ),
]

# Street names: believable, fictional combinations in the style of old Beijing hutongs.
_STREET_STEMS = [
    "槐柏树",
    "丰盛",
    "砖塔",
    "报子",
    "帅府",
    "鸭子桥",
    "石碑",
    "榆钱",
    "枣林",
    "灯草",
    "井儿",
    "棉花",
    "椿树",
    "柳树",
    "杨梅竹",
    "铁匠",
    "酱坊",
    "钱粮",
    "羊肉",
    "豆腐池",
    "花枝",
    "金鱼",
    "银闸",
    "磁器",
    "绒线",
    "笔管",
    "扇子",
    "箭杆",
    "炭儿",
    "大院",
    "小院",
    "新开",
    "官菜园",
    "西斜",
    "东斜",
    "南顺城",
    "北顺城",
    "三眼井",
    "四根柏",
    "五道庙",
    "六部口",
    "七井",
    "八宝",
    "九道湾",
    "十间房",
    "百花",
    "千佛寺",
    "广宁伯",
    "辟才",
    "察院",
    "前细瓦",
    "后细瓦",
    "受水河",
    "太平桥",
    "武定侯",
    "宏庙",
    "兵马司",
    "西四",
    "粉子",
    "油坊",
    "米市",
    "草厂",
    "芦草园",
    "苇坑",
    "鱼藻池",
    "莲子",
    "藕芽",
    "菱角坑",
    "杏花",
    "桃园",
    "梨园",
    "葡萄园",
    "樱桃",
    "海棠",
    "丁香",
    "紫藤",
    "石榴",
    "柿子",
    "核桃",
    "松树",
    "竹竿",
    "蒲草",
    "荷叶",
    "菖蒲",
    "芍药",
    "月季",
    "牡丹",
    "茉莉",
    "桂花",
    "兰草",
]
_SUFFIXES = [("胡同", "hutong")] * 6 + [("街", "street")] * 2 + [("巷", "alley")] * 2 + [("夹道", "alley")]


def cell_corner(col: int, row: int) -> tuple[float, float]:
    """Longitude/latitude of the north-west corner of cell (col, row); rounded once so shared edges agree."""
    return round(ORIGIN_LON + col * CELL_DLON, 7), round(ORIGIN_LAT - row * CELL_DLAT, 7)


def block_ring(block: Block) -> list[list[float]]:
    """The closed outer ring of a block, counter-clockwise (RFC 7946), every lattice vertex included so that
    a community's edge matches its grids' edges vertex for vertex."""
    ring = []
    for col in range(block.col0, block.col1 + 1):  # south edge, west → east
        ring.append(cell_corner(col, block.row1))
    for row in range(block.row1 - 1, block.row0 - 1, -1):  # east edge, south → north
        ring.append(cell_corner(block.col1, row))
    for col in range(block.col1 - 1, block.col0 - 1, -1):  # north edge, east → west
        ring.append(cell_corner(col, block.row0))
    for row in range(block.row0 + 1, block.row1 + 1):  # west edge, north → south
        ring.append(cell_corner(block.col0, row))
    return [list(p) for p in ring]


def _polygon(block: Block) -> dict:
    return {"type": "Polygon", "coordinates": [block_ring(block)]}


def _feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _centre(col: float, row: float) -> list[float]:
    return [round(ORIGIN_LON + col * CELL_DLON, 7), round(ORIGIN_LAT - row * CELL_DLAT, 7)]


def _streets_for(sub_code: str, cols: tuple[int, int], rng: random.Random, stems: list[str]) -> list[dict]:
    """About 27 back streets in one subdistrict: east–west hutongs on cell centre rows, a few north–south
    streets on cell centre columns, each kept inside the subdistrict."""
    col0, col1 = cols
    width = col1 - col0
    lines: list[list[list[float]]] = []
    for row in rng.sample(range(ROWS), 17):
        start = rng.randint(col0, col1 - 3)
        end = rng.randint(start + 2, col1 - 1)
        # A slight bend halfway, as old lanes have, still inside the row's cells.
        mid = (start + end) / 2
        bend = rng.choice([-0.15, 0.0, 0.15])
        lines.append(
            [
                _centre(start + 0.5, row + 0.5),
                _centre(mid + 0.5, row + 0.5 + bend),
                _centre(end + 0.5, row + 0.5),
            ]
        )
    for col in rng.sample(range(col0, col1), min(10, width)):
        start = rng.randint(0, ROWS - 6)
        end = rng.randint(start + 4, min(ROWS - 1, start + 12))
        lines.append([_centre(col + 0.5, start + 0.5), _centre(col + 0.5, end + 0.5)])
    streets = []
    for index, coordinates in enumerate(lines, start=1):
        stem = stems.pop(0)
        suffix, kind = rng.choice(_SUFFIXES)
        streets.append(
            _feature(
                {"type": "LineString", "coordinates": coordinates},
                code=f"{sub_code}S{index:03d}",
                name=f"{stem}{suffix}",
                kind=kind,
            )
        )
    return streets


def build_city() -> DemoCity:
    """The whole demo district as GeoJSON features, parents before children."""
    rng = random.Random(SEED)
    stems = list(_STREET_STEMS)
    rng.shuffle(stems)
    city = DemoCity(
        district=_feature(
            _polygon(Block(0, COLUMNS, 0, ROWS)),
            code=DISTRICT_CODE,
            name=DISTRICT_NAME,
        )
    )
    for sub_suffix, sub_name, cols, communities in SUBDISTRICTS:
        sub_code = DISTRICT_CODE + sub_suffix
        city.subdistricts.append(
            _feature(_polygon(Block(cols[0], cols[1], 0, ROWS)), code=sub_code, name=sub_name)
        )
        for c_index, (c_name, block) in enumerate(communities, start=1):
            c_code = f"{sub_code}{c_index:03d}"
            city.communities.append(_feature(_polygon(block), code=c_code, name=c_name))
            short = c_name.removesuffix("社区")
            for seq, (col, row) in enumerate(block.cells(), start=1):
                cell = Block(col, col + 1, row, row + 1)
                city.grids.append(
                    _feature(_polygon(cell), code=f"{c_code}{seq:03d}", name=f"{short}第{seq}网格")
                )
        city.streets.extend(_streets_for(sub_code, cols, rng, stems))
    return city


def grid_code_is_valid(code: str, community_code: str) -> bool:
    """A Beijing unit-grid code: 15 digits, the community's 12 digits, then a 3-digit sequence from 001."""
    return len(code) == 15 and code.isdigit() and code.startswith(community_code) and int(code[12:]) >= 1
