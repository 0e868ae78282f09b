"""The 15-minute walk arithmetic on plain arrays (metres in a plane), compared with brute force."""

import numpy as np
import pytest

from jingzhi.spaces import coverage


def brute(targets, points, reach):
    d = np.hypot(targets[:, None, 0] - points[None, :, 0], targets[:, None, 1] - points[None, :, 1])
    nearest = d.min(axis=1)
    return nearest <= reach, nearest


def test_reach_follows_minutes_speed_and_detour():
    walk = coverage.Walk(minutes=15, speed_m_per_min=80, detour=1.25)
    assert walk.network_reach_m == 1200
    assert walk.straight_reach_m == pytest.approx(960)


def test_straight_line_coverage_equals_brute_force():
    rng = np.random.default_rng(7)
    targets = rng.uniform(0, 5000, (400, 2))
    points = rng.uniform(0, 5000, (15, 2))
    covered, distance = coverage.straight_line(targets, points, 700)
    want, nearest = brute(targets, points, 700)
    assert (covered == want).all()
    assert np.allclose(distance[covered], nearest[covered])
    assert np.isinf(distance[~covered]).all()
    assert 0 < covered.sum() < len(targets)


def test_no_points_covers_nothing():
    covered, distance = coverage.straight_line(np.zeros((3, 2)), np.zeros((0, 2)), 1000)
    assert not covered.any() and np.isinf(distance).all()


def grid_network(size=5, step=200.0):
    """A street lattice: size×size nodes `step` metres apart."""
    lines = []
    for i in range(size):
        lines.append(np.array([[0, i * step], [(size - 1) * step, i * step]]))
        lines.append(np.array([[i * step, 0], [i * step, (size - 1) * step]]))
    # Split the long lines at every crossing so the lattice is connected at its nodes.
    split = []
    for line in lines:
        (x0, y0), (x1, y1) = line
        xs, ys = np.linspace(x0, x1, size), np.linspace(y0, y1, size)
        split.append(np.column_stack([xs, ys]))
    return coverage.Network(split)


def test_network_distance_walks_the_streets_not_the_diagonal():
    net = grid_network()
    point = np.array([[0.0, 0.0]])
    target = np.array([[800.0, 800.0]])
    covered, distance = net.walk(target, point, 2000)
    assert covered[0] and distance[0] == pytest.approx(1600)  # Manhattan, not 1131 m diagonal
    covered, _d = net.walk(target, point, 1500)
    assert not covered[0]


def test_a_network_in_two_pieces_is_refused_with_the_reason():
    a = np.array([[0.0, 0.0], [100.0, 0.0]])
    b = np.array([[5000.0, 0.0], [5100.0, 0.0]])
    net = coverage.Network([a, b])
    targets = np.array([[50.0, 10.0], [5050.0, 10.0]])
    assert "不连通" in net.check(targets, max_snap_m=300)
    results, note = coverage.measure(
        targets, {"k": np.array([[0.0, 0.0]])}, {"k": coverage.Walk()}, network=net, max_snap_m=300
    )
    assert "直线" in note and results["k"].method == coverage.STRAIGHT
    assert list(results["k"].covered) == [True, False]


def test_targets_far_from_the_network_are_named():
    net = coverage.Network([np.array([[0.0, 0.0], [100.0, 0.0]])])
    assert "超过 300 米" in net.check(np.array([[0.0, 900.0]]), max_snap_m=300)


def test_a_connected_network_is_used():
    net = grid_network()
    results, note = coverage.measure(
        np.array([[400.0, 400.0]]), {"k": np.array([[0.0, 0.0]])}, {"k": coverage.Walk()}, network=net
    )
    assert note == "" and results["k"].method == coverage.NETWORK and results["k"].covered[0]


def test_nearest_gives_the_closest_first():
    found = coverage.nearest(np.array([0.0, 0.0]), np.array([[10.0, 0.0], [3.0, 4.0], [100.0, 0.0]]), k=2)
    assert found == [(1, 5.0), (0, 10.0)]
