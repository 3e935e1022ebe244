//! Numpy-style broadcasting, shared by the float evaluator, the quantized evaluator and the
//! circuit layers so that all three index tensors the same way.

/// The broadcast shape of `a` and `b`, or `None` when they are incompatible.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| if i + s.len() >= rank { s[i + s.len() - rank] } else { 1 };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

/// For every element of a tensor of shape `out`, the flat index of the element of a tensor of
/// shape `src` that broadcasting reads.
pub fn broadcast_source_indices(src: &[usize], out: &[usize]) -> Vec<usize> {
    let rank = out.len();
    let offset = rank - src.len();
    // stride of each output axis in the source (0 for broadcast axes)
    let mut strides = vec![0usize; rank];
    let mut stride = 1;
    for axis in (0..src.len()).rev() {
        if src[axis] != 1 {
            strides[axis + offset] = stride;
        }
        stride *= src[axis];
    }
    let total: usize = out.iter().product();
    let mut indices = Vec::with_capacity(total);
    let mut coord = vec![0usize; rank];
    for _ in 0..total {
        indices.push(coord.iter().zip(&strides).map(|(c, s)| c * s).sum());
        for axis in (0..rank).rev() {
            coord[axis] += 1;
            if coord[axis] < out[axis] {
                break;
            }
            coord[axis] = 0;
        }
    }
    indices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_broadcast_like_numpy() {
        assert_eq!(broadcast_shapes(&[2, 3], &[3]), Some(vec![2, 3]));
        assert_eq!(broadcast_shapes(&[2, 1], &[1, 4]), Some(vec![2, 4]));
        assert_eq!(broadcast_shapes(&[2, 3], &[4]), None);
    }

    #[test]
    fn source_indices_repeat_broadcast_axes() {
        assert_eq!(broadcast_source_indices(&[3], &[2, 3]), vec![0, 1, 2, 0, 1, 2]);
        assert_eq!(broadcast_source_indices(&[2, 1], &[2, 3]), vec![0, 0, 0, 1, 1, 1]);
        assert_eq!(broadcast_source_indices(&[2, 3], &[2, 3]), (0..6).collect::<Vec<_>>());
    }
}
