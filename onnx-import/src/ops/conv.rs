//! `Conv`, `ConvTranspose`, `AveragePool` and `GlobalAveragePool` over 1 to 3 spatial axes,
//! lowered to what the circuit already proves: an im2col `Select` (re-wiring, zero padding;
//! `window`), a `Linear` with the kernel as weights, and a `Select` back to `[N, M, spatial…]`.
//! Groups become a block-diagonal weight matrix. A transposed convolution is the same product over
//! windows that read the input spread `stride` apart (zeros between), so it needs nothing new.

use super::window::{geometry, patches, spatial_input, transposed_geometry, Axis};
use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::{Op, Tensor};

/// A kernel `[A, B, k…]` with as many spatial axes as the input, and its `Πk`.
fn kernel<'a>(ctx: &'a OpCtx, spatial: usize) -> Result<(&'a ConstTensor, usize), ImportError> {
    let kernel = ctx.opt_const(1)?.ok_or_else(|| ctx.error("the weight input is missing"))?;
    if kernel.shape.len() != spatial + 2 {
        return Err(ctx.error(format!(
            "the weight has shape {:?}, but a {spatial}-D input needs a weight of rank {}",
            kernel.shape,
            spatial + 2
        )));
    }
    Ok((kernel, kernel.shape[2..].iter().product()))
}

/// The group count, checked to divide both channel counts.
fn groups(ctx: &OpCtx, channels: usize, filters: usize) -> Result<usize, ImportError> {
    let groups = Attrs(ctx.node).int("group", 1).max(1) as usize;
    if !channels.is_multiple_of(groups) || !filters.is_multiple_of(groups) {
        return Err(ctx.error(format!("{groups} groups do not divide {channels} input channels and {filters} filters")));
    }
    Ok(groups)
}

pub fn conv(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let (x, shape) = spatial_input(b, ctx)?;
    let (kernel, window) = kernel(ctx, shape.len() - 2)?;
    let (c, m, c_per_group) = (shape[1], kernel.shape[0], kernel.shape[1]);
    let groups = groups(ctx, c, m)?;
    if c_per_group * groups != c {
        return Err(ctx.error(format!("{groups} groups of {c_per_group} channels do not make {c} input channels")));
    }
    let axes = geometry(ctx, &shape, &kernel.shape[2..])?;
    // weight [C·Πk, M]: filter mi reads its group's channels
    let weight = block_weight(c, m, window, groups, |mi, cl, k| kernel.data[(mi * c_per_group + cl) * window + k]);
    windows_times_weight(b, ctx, x, &shape, &axes, weight)
}

/// `ConvTranspose`: the weight is `[C, M/groups, k…]`; output channel `g·M/groups + ml` of group
/// `g` reads that group's input channels through `W[ci, ml]`.
pub fn conv_transpose(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let (x, shape) = spatial_input(b, ctx)?;
    let (kernel, window) = kernel(ctx, shape.len() - 2)?;
    let c = shape[1];
    if kernel.shape[0] != c {
        return Err(ctx.error(format!("the weight has {} input channels, the input {c}", kernel.shape[0])));
    }
    let m = kernel.shape[1] * Attrs(ctx.node).int("group", 1).max(1) as usize;
    let groups = groups(ctx, c, m)?;
    let (c_per_group, m_per_group) = (c / groups, m / groups);
    let axes = transposed_geometry(ctx, &shape, &kernel.shape[2..])?;
    // window offset k holds the input that output o meets through kernel offset k
    // (`Axis::source`: o = i·stride + k·dilation − pad), so it is weighted by W[.., k]
    let weight = block_weight(c, m, window, groups, |mi, cl, k| {
        let (group, ml) = (mi / m_per_group, mi % m_per_group);
        kernel.data[((group * c_per_group + cl) * m_per_group + ml) * window + k]
    });
    windows_times_weight(b, ctx, x, &shape, &axes, weight)
}

/// The `[C·window, M]` weight of a grouped convolution: zero outside each filter's group;
/// `at(filter, channel within its group, window offset)` is the kernel's value.
fn block_weight(c: usize, m: usize, window: usize, groups: usize, at: impl Fn(usize, usize, usize) -> f64) -> Tensor {
    let (c_per_group, m_per_group) = (c / groups, m / groups);
    let mut weight = vec![0f32; c * window * m];
    for mi in 0..m {
        let group = mi / m_per_group;
        for cl in 0..c_per_group {
            let ci = group * c_per_group + cl;
            for k in 0..window {
                weight[(ci * window + k) * m + mi] = at(mi, cl, k) as f32;
            }
        }
    }
    Tensor::new(vec![c * window, m], weight)
}

/// im2col, the product with `weight` (plus the bias input), and the result back to
/// `[N, M, out…]`.
fn windows_times_weight(
    b: &mut Builder,
    ctx: &OpCtx,
    x: usize,
    shape: &[usize],
    axes: &[Axis],
    weight: Tensor,
) -> Result<Value, ImportError> {
    let (n, m) = (shape[0], weight.shape[1]);
    let bias = match ctx.opt_const(2)? {
        Some(t) if t.data.len() == m => Some(Tensor::new(vec![m], t.data.iter().map(|&v| v as f32).collect())),
        Some(t) => return Err(ctx.error(format!("the bias has {} values for {m} filters", t.data.len()))),
        None => None,
    };
    let cols = patches(b, ctx.name, x, shape, axes, false);
    let out: Vec<usize> = axes.iter().map(|a| a.output).collect();
    let positions: usize = out.iter().product();
    let lin_shape: Vec<usize> = [n].into_iter().chain(out.iter().copied()).chain([m]).collect();
    let lin = b.push(&format!("{}/matmul", ctx.name), Op::Linear { weight, bias }, vec![cols], lin_shape);
    // [N, out…, M] -> [N, M, out…]
    let sources = (0..n)
        .flat_map(|ni| {
            (0..m).flat_map(move |mi| (0..positions).map(move |p| Some(((ni * positions + p) * m + mi) as u32)))
        })
        .collect();
    let shape: Vec<usize> = [n, m].into_iter().chain(out).collect();
    Ok(Value::Node(b.push(ctx.name, Op::Select { sources }, vec![lin], shape)))
}

/// Per-channel pooling windows `[N, C, out…, Πkernel]`, `[N, C, out…]`, the window size, and
/// each window's count of real (not padding) elements. A max never sees the padding: a padded
/// position repeats an element of its own window (ONNX pads a max with −∞; a repeat leaves the
/// max unchanged too). An average sees zeros there.
pub fn pool_windows(b: &mut Builder, ctx: &OpCtx) -> Result<(usize, Vec<usize>, usize, Vec<usize>), ImportError> {
    let (x, shape) = spatial_input(b, ctx)?;
    let spatial = &shape[2..];
    let axes = if ctx.op() == "GlobalAveragePool" {
        spatial.iter().map(|&d| Axis::whole(d)).collect()
    } else {
        let kernel = match Attrs(ctx.node).ints("kernel_shape") {
            Some(k) if k.len() == spatial.len() && k.iter().all(|&v| v > 0) => {
                k.iter().map(|&v| v as usize).collect::<Vec<_>>()
            }
            other => {
                return Err(ctx.error(format!("kernel_shape must be {} positive values, got {other:?}", spatial.len())))
            }
        };
        geometry(ctx, &shape, &kernel)?
    };
    let cols = patches(b, ctx.name, x, &shape, &axes, true);
    let window: usize = axes.iter().map(|a| a.kernel).product();
    let Op::Select { sources } = &mut b.nodes[cols].op else { unreachable!("patches are a Select") };
    let counts: Vec<usize> = sources.chunks(window).map(|w| w.iter().flatten().count()).collect();
    if counts.contains(&0) {
        return Err(ctx.error("a pooling window lies entirely in the padding"));
    }
    if ctx.op() == "MaxPool" {
        for win in sources.chunks_mut(window) {
            let first = win.iter().flatten().next().copied();
            win.iter_mut().filter(|s| s.is_none()).for_each(|s| *s = first);
        }
    }
    let out = shape[..2].iter().copied().chain(axes.iter().map(|a| a.output)).collect();
    Ok((cols, out, window, counts))
}

/// `AveragePool` and `GlobalAveragePool`: per-channel window sums times `1/window`, or times
/// `1/(real elements)` per window when `count_include_pad = 0` leaves the padding out.
pub fn average_pool(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let (cols, out, window, counts) = pool_windows(b, ctx)?;
    let include_pad = Attrs(ctx.node).int("count_include_pad", 0) != 0;
    let uniform = include_pad || counts.iter().all(|&k| k == window);
    let w = if uniform { 1.0 / window as f32 } else { 1.0 };
    let weight = Tensor::new(vec![window, 1], vec![w; window]);
    let with_one: Vec<usize> = out.iter().copied().chain([1]).collect();
    let lin = b.push(&format!("{}/mean", ctx.name), Op::Linear { weight, bias: None }, vec![cols], with_one);
    let pooled = Value::Node(b.push(ctx.name, Op::Reshape, vec![lin], out.clone()));
    if uniform {
        return Ok(pooled);
    }
    let inverse = ConstTensor { shape: out, data: counts.iter().map(|&k| 1.0 / k as f64).collect() };
    super::elementwise::binary(b, ctx, zkinfer_circuits::ir::BinaryKind::Mul, &pooled, &Value::Const(inverse))
}
