"""4x4 matrix arithmetic shared by transforms, instances and joints (Blender's convention: they act
on column vectors), in float64. numpy's linear algebra costs microseconds a call however small the
matrices, so stacks are worked on at once and each distinct matrix (or pair) only once."""
import numpy as np

FEW = 64  # pairs of matrices solved without looking for equal ones


def relative(parent_world, world):
    """`world` relative to `parent_world` (4x4 matrices, or stacks of them)."""
    try:
        return np.linalg.solve(parent_world, world)
    except np.linalg.LinAlgError:  # a parent scaled to zero
        return np.linalg.pinv(parent_world) @ world


def inverse(matrix):
    """The inverse of a 4x4 matrix, for a parent with many instances (one inversion, not a solve each)."""
    try:
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError:  # a parent scaled to zero
        return np.linalg.pinv(matrix)


def unique_rows(rows):
    """(the distinct rows of the 2-D array `rows`, the index of each row among them), rows compared
    bit for bit (-0 is not 0): equal rows give equal results, whatever is computed from them."""
    rows = np.ascontiguousarray(rows)
    bits = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1])))[:, 0]
    _, first, index = np.unique(bits, return_index=True, return_inverse=True)
    return rows[first], index.reshape(-1)


def relative_pairs(parents, children):
    """`relative` of each matrix of `children` (..., 4, 4) to the one of `parents` in its place,
    each distinct (parent, child) pair solved once: a still child of a still parent, over many
    frames, is one solve. A few pairs are solved as they are: sorting them out would cost more."""
    if children.size <= 16 * FEW:
        try:
            return np.linalg.solve(parents, children)
        except np.linalg.LinAlgError:  # some parent scaled to zero: each pair on its own
            return np.array([relative(p, c) for p, c in zip(parents.reshape(-1, 4, 4), children.reshape(-1, 4, 4))]
                            ).reshape(children.shape)
    pairs = np.concatenate([parents, children], axis=-1)  # (..., 4, 8)
    distinct, index = unique_rows(pairs.reshape(-1, 32))
    distinct = distinct.reshape(-1, 4, 8)
    try:
        solved = np.linalg.solve(distinct[..., :4], distinct[..., 4:])
    except np.linalg.LinAlgError:  # some parent scaled to zero: each pair on its own
        solved = np.array([relative(pair[:, :4], pair[:, 4:]) for pair in distinct])
    return solved[index].reshape(children.shape)


def inverse_each(matrices):
    """The inverses of 4x4 `matrices` (a list or (N, 4, 4)), each distinct matrix inverted once."""
    distinct, rows = unique_rows(np.asarray(matrices, np.float64).reshape(len(matrices), 16))
    stack = distinct.reshape(-1, 4, 4)
    try:
        inverses = np.linalg.inv(stack)
    except np.linalg.LinAlgError:  # some matrix scaled to zero: each inverted on its own
        inverses = np.array([inverse(matrix) for matrix in stack])
    return inverses[rows]
