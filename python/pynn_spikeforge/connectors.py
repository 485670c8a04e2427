"""Vectorised connection generation for PyNN's connectors.

PyNN's own Connector.connect() calls the backend once per target neuron, which is what makes
building networks slow; here the common connectors draw all their synapses with a few numpy
calls instead. Each returns (pre, post): indices into the projection's presynaptic and
postsynaptic neurons (Population, PopulationView or Assembly), ordered by post then pre. The
random numbers come from the connector's own RNG (a pyNN NumpyRNG), so a script's seeds keep
their meaning. Connectors without a fast path go through PyNN's generic connect() (see
projections.Projection), which is correct but slower.

The statistics are the connectors' definitions: FixedProbability = an independent Bernoulli(p)
per (pre, post) pair; FixedNumberPre = exactly n sources per target (distinct unless
with_replacement); FixedNumberPost = exactly n targets per source; FixedTotalNumber = n pairs
drawn uniformly; self-connections (same cell id on both sides) are excluded unless allowed.
"""
import numpy as np
from pyNN import connectors, errors
from pyNN.random import NumpyRNG


def random_state(connector, fallback_seed):
    """The numpy RandomState behind the connector's RNG (NativeRNG and others: a seeded one)."""
    rng = getattr(connector, "rng", None)
    if isinstance(rng, NumpyRNG):
        return rng.rng
    return np.random.RandomState(fallback_seed)


def _ids(neurons):
    return np.asarray(neurons.all_cells, dtype=np.int64)


def _self_pre_index(pre, post):
    """For each post neuron, the pre index of the same cell, or -1."""
    pre_ids, post_ids = _ids(pre), _ids(post)
    if pre_ids.size == 0:
        return np.full(post_ids.size, -1, dtype=np.int64)
    order = np.argsort(pre_ids)
    pos = np.searchsorted(pre_ids[order], post_ids)
    pos = np.minimum(pos, len(pre_ids) - 1)
    found = pre_ids[order][pos] == post_ids
    return np.where(found, order[pos], -1)


def _drop_self(pre_idx, post_idx, self_pre):
    keep = self_pre[post_idx] != pre_idx
    return pre_idx[keep], post_idx[keep]


def bernoulli_positions(rs, total, p):
    """Sorted positions in [0, total) each kept with probability p: geometric gaps between
    successes, so the cost follows the number kept, not `total`."""
    if p <= 0 or total == 0:
        return np.zeros(0, dtype=np.int64)
    if p >= 1:
        return np.arange(total, dtype=np.int64)
    expected = total * p
    chunk = int(expected + 5 * np.sqrt(expected) + 16)
    parts, last = [], -1
    while True:
        positions = last + np.cumsum(rs.geometric(p, size=chunk), dtype=np.int64)
        if positions[-1] >= total:
            parts.append(positions[positions < total])
            return np.concatenate(parts)
        parts.append(positions)
        last = positions[-1]


def _without_self_choice(rs, m, k, exclude, replace):
    """k draws from range(m) minus `exclude` (-1: none)."""
    if exclude < 0:
        return rs.randint(0, m, size=k) if replace else rs.choice(m, k, replace=False)
    draws = rs.randint(0, m - 1, size=k) if replace else rs.choice(m - 1, k, replace=False)
    return draws + (draws >= exclude)


def fixed_probability(c, pre, post, rs):
    m, n = pre.size, post.size
    flat = bernoulli_positions(rs, m * n, c.p_connect)
    post_idx, pre_idx = np.divmod(flat, m)
    if not c.allow_self_connections:
        pre_idx, post_idx = _drop_self(pre_idx, post_idx, _self_pre_index(pre, post))
    return pre_idx, post_idx


def all_to_all(c, pre, post, rs):
    m, n = pre.size, post.size
    post_idx, pre_idx = np.divmod(np.arange(m * n, dtype=np.int64), m)
    if not c.allow_self_connections:
        pre_idx, post_idx = _drop_self(pre_idx, post_idx, _self_pre_index(pre, post))
    return pre_idx, post_idx


def one_to_one(c, pre, post, rs):
    if pre.size != post.size:
        raise errors.InvalidDimensionsError(
            "OneToOneConnector does not support presynaptic and postsynaptic Populations of different sizes.")
    idx = np.arange(pre.size, dtype=np.int64)
    return idx, idx.copy()


def _fixed_number(n_draw, n_side, n_other, self_of, replace, rs, what):
    """For each of n_side neurons, n_draw partners among n_other (minus itself via self_of)."""
    side, other = [], []
    for s in range(n_side):
        exclude = int(self_of[s]) if self_of is not None else -1
        candidates = n_other - (exclude >= 0)
        if not replace and n_draw > candidates:
            raise errors.ConnectionError(
                "%s: n = %d exceeds the %d candidates (use with_replacement=True?)" % (what, n_draw, candidates))
        other.append(_without_self_choice(rs, n_other, n_draw, exclude, replace))
        side.append(np.full(n_draw, s, dtype=np.int64))
    if not side:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(side), np.concatenate(other).astype(np.int64)


def fixed_number_pre(c, pre, post, rs):
    self_of = None if c.allow_self_connections else _self_pre_index(pre, post)
    post_idx, pre_idx = _fixed_number(int(c.n), post.size, pre.size, self_of, c.with_replacement, rs,
                                      "FixedNumberPreConnector")
    return pre_idx, post_idx


def fixed_number_post(c, pre, post, rs):
    self_of = None if c.allow_self_connections else _self_pre_index(post, pre)
    pre_idx, post_idx = _fixed_number(int(c.n), pre.size, post.size, self_of, c.with_replacement, rs,
                                      "FixedNumberPostConnector")
    order = np.lexsort((pre_idx, post_idx))
    return pre_idx[order], post_idx[order]


def _allowed(flat, m, self_pre):
    """The flat pair indices (post * m + pre) that are not self-connections."""
    if self_pre is None:
        return flat
    post_idx, pre_idx = np.divmod(flat, m)
    return flat[self_pre[post_idx] != pre_idx]


def _distinct_pairs_dense(rs, m, n, k, self_pre):
    """k distinct allowed pairs, uniformly, by choosing among all of them (k close to m n)."""
    allowed = _allowed(np.arange(m * n, dtype=np.int64), m, self_pre)
    return np.sort(allowed[rs.choice(allowed.size, k, replace=False)])


def _distinct_pairs(rs, m, n, k, self_pre):
    """k distinct allowed pairs, uniformly, without listing all m n of them (k << m n): the
    first k distinct ones of a stream of uniform draws."""
    chosen = np.zeros(0, dtype=np.int64)
    while chosen.size < k:
        draws = _allowed(rs.randint(0, m * n, size=2 * (k - chosen.size) + 16, dtype=np.int64), m, self_pre)
        both = np.concatenate([chosen, draws])
        _, first = np.unique(both, return_index=True)
        chosen = both[np.sort(first)][:k]
    return np.sort(chosen)


def fixed_total_number(c, pre, post, rs):
    m, n, k = pre.size, post.size, int(c.n)
    self_pre = None if c.allow_self_connections else _self_pre_index(pre, post)
    allowed_pairs = m * n - (0 if self_pre is None else np.count_nonzero(self_pre >= 0))
    if k > 0 and allowed_pairs == 0:  # the redraw loop below would never end
        raise errors.ConnectionError("FixedTotalNumberConnector: n = %d but no pair of neurons may be connected" % k)
    if c.with_replacement:
        pre_idx = rs.randint(0, m, size=k).astype(np.int64)
        post_idx = rs.randint(0, n, size=k).astype(np.int64)
        if self_pre is not None:
            # Redraw self pairs: the accepted pairs stay uniform over the allowed ones.
            while True:
                bad = np.flatnonzero(self_pre[post_idx] == pre_idx)
                if bad.size == 0:
                    break
                pre_idx[bad] = rs.randint(0, m, size=bad.size)
                post_idx[bad] = rs.randint(0, n, size=bad.size)
    else:
        if k > allowed_pairs:
            raise errors.ConnectionError(
                "FixedTotalNumberConnector: n = %d exceeds the %d possible pairs" % (k, allowed_pairs))
        flat = (_distinct_pairs(rs, m, n, k, self_pre) if m * n > 4 * k
                else _distinct_pairs_dense(rs, m, n, k, self_pre))
        post_idx, pre_idx = np.divmod(flat, m)
    order = np.lexsort((pre_idx, post_idx))
    return pre_idx[order], post_idx[order]


def _plain(c, *names):
    """True when the connector has no feature the fast path ignores."""
    if getattr(c, "allow_self_connections", True) not in (True, False):
        return False  # "NoMutual"
    return all(isinstance(getattr(c, name, 0), (int, np.integer)) for name in names)


# Exact classes only: a user subclass may change the rule, so it takes PyNN's generic path.
FAST_PATHS = {
    connectors.FixedProbabilityConnector: (fixed_probability, ()),
    connectors.AllToAllConnector: (all_to_all, ()),
    connectors.OneToOneConnector: (one_to_one, ()),
    connectors.FixedNumberPreConnector: (fixed_number_pre, ("n",)),
    connectors.FixedNumberPostConnector: (fixed_number_post, ("n",)),
    connectors.FixedTotalNumberConnector: (fixed_total_number, ("n",)),
}


def generate(connector, pre, post, fallback_seed):
    """(pre, post) index arrays, or None when the connector has no fast path."""
    entry = FAST_PATHS.get(type(connector))
    if entry is None or not _plain(connector, *entry[1]):
        return None
    function, _ = entry
    result = function(connector, pre, post, random_state(connector, fallback_seed))
    if connector.callback is not None:
        connector.callback(1.0)
    return result
