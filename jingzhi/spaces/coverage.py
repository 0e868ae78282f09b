"""The 一刻钟便民生活圈 arithmetic: which grids have a service point of a kind within a 15-minute walk. Pure
geometry (shapely, numpy, scipy's graph routines); no table is read here — `queries.coverage_for` loads the
grids, points, spaces and network and calls in.

Two ways to measure the walk. By default, straight-line distance in a local metric plane, the walk shortened
by a detour factor (streets are not straight: reach = minutes × speed ÷ detour), answered by one shapely
STRtree nearest-neighbour query per kind. When a walking network has been imported, by distance along the
network: line vertices become graph nodes, each grid's representative point and each service point snap to
their nearest node, and one Dijkstra run from a virtual source joined to every point of the kind (edge
weight = its snap distance) gives each grid its walk to the nearest point. A network that leaves grids
unreachable (too far from any line, or on a piece not joined to the rest) is not used: the result says why
and is computed by straight line, labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from django.utils.translation import gettext as _
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from jingzhi.geo.measure import LocalPlane

STRAIGHT = "straight"
NETWORK = "network"


@dataclass(frozen=True)
class Walk:
    """How far a person walks: minutes at a speed (metres per minute), with a detour factor for straight
    lines (DOMAIN: configuration with a stated default — 15 min, 80 m/min, ×1.3)."""

    minutes: float = 15.0
    speed_m_per_min: float = 80.0
    detour: float = 1.3

    @property
    def network_reach_m(self) -> float:
        return self.minutes * self.speed_m_per_min

    @property
    def straight_reach_m(self) -> float:
        return self.network_reach_m / self.detour


@dataclass
class KindResult:
    """Coverage of one service kind over the target points (grids): `covered[i]`, the walk in metres to
    the nearest point (`inf` when none within reach), how it was measured and, when the network was not
    used, why."""

    covered: np.ndarray
    distance_m: np.ndarray
    method: str
    reach_m: float
    note: str = ""


def plane_for(lons: np.ndarray, lats: np.ndarray) -> LocalPlane:
    if len(lons) == 0:
        return LocalPlane(0.0, 0.0)
    return LocalPlane(
        (float(np.min(lons)) + float(np.max(lons))) / 2, (float(np.min(lats)) + float(np.max(lats))) / 2
    )


def to_xy(plane: LocalPlane, lons, lats) -> np.ndarray:
    x, y = plane.xy(lons, lats)
    return np.column_stack([np.atleast_1d(x), np.atleast_1d(y)])


def straight_line(
    targets_xy: np.ndarray, points_xy: np.ndarray, reach_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """(covered, distance) of each target: a point within `reach_m` in a straight line, and how far the
    nearest such point is (inf when none)."""
    n = len(targets_xy)
    covered = np.zeros(n, dtype=bool)
    distance = np.full(n, np.inf)
    if n == 0 or len(points_xy) == 0:
        return covered, distance
    tree = shapely.STRtree(shapely.points(points_xy))
    (hit, _point), dist = tree.query_nearest(
        shapely.points(targets_xy), max_distance=reach_m, return_distance=True, all_matches=False
    )
    covered[hit] = True
    distance[hit] = dist
    return covered, distance


class Network:
    """A walking network in a local plane: nodes are line vertices (merged when closer than `merge_m`, one
    at least every `densify_m` along a line), edges the segments between consecutive vertices, weighted by
    their length in metres."""

    def __init__(self, lines_xy: list[np.ndarray], *, merge_m: float = 1.0, densify_m: float = 25.0):
        # Long segments get intermediate vertices, so a point snaps to the street beside it, not to a
        # corner far away.
        coords = [
            shapely.get_coordinates(
                shapely.segmentize(shapely.linestrings(np.asarray(line, dtype=float)), densify_m)
            )
            for line in lines_xy
            if len(line) >= 2
        ]
        if not coords:
            self.nodes = np.zeros((0, 2))
            self.graph = coo_matrix((0, 0)).tocsr()
            self.labels = np.zeros(0, dtype=int)
            self.tree = None
            return
        allpts = np.vstack(coords)
        keys = np.round(allpts / merge_m).astype(np.int64)
        _uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        self.nodes = allpts[first]
        starts, ends, offset = [], [], 0
        for line in coords:
            idx = inverse[offset : offset + len(line)]
            starts.append(idx[:-1])
            ends.append(idx[1:])
            offset += len(line)
        a, b = np.concatenate(starts), np.concatenate(ends)
        keep = a != b
        a, b = a[keep], b[keep]
        w = np.hypot(*(self.nodes[a] - self.nodes[b]).T)
        size = len(self.nodes)
        self.graph = coo_matrix(
            (np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(size, size)
        ).tocsr()
        _count, self.labels = connected_components(self.graph, directed=False)
        self.tree = shapely.STRtree(shapely.points(self.nodes))

    def snap(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each point and the distance to it."""
        if self.tree is None or len(xy) == 0:
            return np.full(len(xy), -1), np.full(len(xy), np.inf)
        (src, node), dist = self.tree.query_nearest(
            shapely.points(xy), return_distance=True, all_matches=False
        )
        nodes = np.full(len(xy), -1)
        d = np.full(len(xy), np.inf)
        nodes[src], d[src] = node, dist
        return nodes, d

    def check(self, targets_xy: np.ndarray, *, max_snap_m: float) -> str:
        """'' when every target is within `max_snap_m` of the network and all lie on one connected piece;
        otherwise what is wrong, in Chinese."""
        if self.tree is None:
            return _("路网中没有可用的线段")
        nodes, d = self.snap(targets_xy)
        far = int(np.sum(d > max_snap_m))
        if far:
            return _("%(n)d 个网格距路网超过 %(m)d 米，无法接入路网") % {"n": far, "m": int(max_snap_m)}
        pieces = len(set(self.labels[nodes].tolist()))
        if pieces > 1:
            return _("路网不连通：网格分布在 %(n)d 个互不相连的路网片段上") % {"n": pieces}
        return ""

    def walk(
        self, targets_xy: np.ndarray, points_xy: np.ndarray, reach_m: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """(covered, distance) along the network from the nearest point to each target."""
        n = len(targets_xy)
        distance = np.full(n, np.inf)
        if n == 0 or len(points_xy) == 0 or self.tree is None:
            return np.zeros(n, dtype=bool), distance
        p_nodes, p_snap = self.snap(points_xy)
        size = len(self.nodes)
        # A virtual source (index `size`) joined to each point's node by its snap distance.
        extra = coo_matrix(
            (p_snap + 1e-9, (np.full(len(p_nodes), size), p_nodes)), shape=(size + 1, size + 1)
        )
        base = self.graph.tocoo()
        graph = coo_matrix(
            (
                np.concatenate([base.data, extra.data]),
                (np.concatenate([base.row, extra.row]), np.concatenate([base.col, extra.col])),
            ),
            shape=(size + 1, size + 1),
        ).tocsr()
        from_source = dijkstra(graph, directed=True, indices=size, limit=reach_m)
        t_nodes, t_snap = self.snap(targets_xy)
        distance = from_source[t_nodes] + t_snap
        covered = distance <= reach_m
        distance[~covered] = np.inf
        return covered, distance


def measure(
    targets_xy: np.ndarray,
    points_by_kind: dict[str, np.ndarray],
    walk_by_kind: dict[str, Walk],
    *,
    network: Network | None = None,
    max_snap_m: float = 300.0,
) -> tuple[dict[str, KindResult], str]:
    """Coverage of every kind over the targets, and the network note ('' when the network was used or
    none was given). A network that does not connect the targets is refused once, for all kinds."""
    note = ""
    if network is not None:
        problem = network.check(targets_xy, max_snap_m=max_snap_m)
        if problem:
            note = _("路网未采用（%(why)s），以下按直线距离×绕行系数计算") % {"why": problem}
            network = None
    out: dict[str, KindResult] = {}
    for kind, points_xy in points_by_kind.items():
        walk = walk_by_kind[kind]
        if network is not None:
            covered, dist = network.walk(targets_xy, points_xy, walk.network_reach_m)
            out[kind] = KindResult(covered, dist, NETWORK, walk.network_reach_m)
        else:
            covered, dist = straight_line(targets_xy, points_xy, walk.straight_reach_m)
            out[kind] = KindResult(covered, dist, STRAIGHT, walk.straight_reach_m, note)
    return out, note


def nearest(origin_xy: np.ndarray, candidates_xy: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
    """The k nearest candidates to one point: (index, metres), nearest first."""
    if len(candidates_xy) == 0:
        return []
    d = np.hypot(candidates_xy[:, 0] - origin_xy[0], candidates_xy[:, 1] - origin_xy[1])
    order = np.argsort(d, kind="stable")[:k]
    return [(int(i), float(d[i])) for i in order]
