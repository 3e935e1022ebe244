//! Sliding windows over the spatial axes of an `[N, C, spatial…]` tensor (1-D, 2-D or 3-D), shared
//! by `Conv`, `ConvTranspose` and the pools: the geometry from the ONNX attributes, and im2col, a
//! `Select` that gathers every window's elements (zero where a window reads padding).

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::Attrs;
use crate::ImportError;
use zkinfer_circuits::Op;

/// Window geometry along one spatial axis.
#[derive(Clone, Copy, Debug)]
pub struct Axis {
    pub input: usize,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    pub pad_begin: usize,
    pub output: usize,
    /// A transposed convolution's axis: output `o` reads input `i` through kernel offset `k`
    /// when `o = i·stride + k·dilation − pad_begin` (the input spread `stride` apart).
    pub transposed: bool,
}

impl Axis {
    /// A window over the whole axis (global pooling).
    pub fn whole(input: usize) -> Self {
        Self { input, kernel: input, stride: 1, dilation: 1, pad_begin: 0, output: 1, transposed: false }
    }

    /// The input coordinate that output `out` reads through kernel offset `k`, None in the
    /// padding (or, transposed, between the spread input elements).
    fn source(&self, out: usize, k: usize) -> Option<usize> {
        let (stride, input) = (self.stride as isize, self.input as isize);
        let i = if self.transposed {
            let t = out as isize + self.pad_begin as isize - (k * self.dilation) as isize;
            if t < 0 || t % stride != 0 {
                return None;
            }
            t / stride
        } else {
            (out * self.stride + k * self.dilation) as isize - self.pad_begin as isize
        };
        (0..input).contains(&i).then_some(i as usize)
    }

    fn span(&self) -> usize {
        (self.kernel - 1) * self.dilation + 1
    }
}

/// The computed `[N, C, spatial…]` input with 1 to 3 spatial axes.
pub fn spatial_input(b: &Builder, ctx: &OpCtx) -> Result<(usize, Vec<usize>), ImportError> {
    let Value::Node(x) = ctx.arg(0)? else {
        return Err(ImportError::unsupported(ctx.op(), ctx.name, "the input must be computed from the model input"));
    };
    let shape = b.nodes[*x].shape.clone();
    if !(3..=5).contains(&shape.len()) {
        return Err(ImportError::unsupported(
            ctx.op(),
            ctx.name,
            format!("inputs are [N, C, spatial...] with 1 to 3 spatial axes, this one has shape {shape:?}"),
        ));
    }
    Ok((*x, shape))
}

/// `len` non-negative values of attribute `name`, `default` each when it is omitted.
fn list(ctx: &OpCtx, name: &str, default: usize, len: usize) -> Result<Vec<usize>, ImportError> {
    match Attrs(ctx.node).ints(name) {
        None => Ok(vec![default; len]),
        Some(v) if v.len() == len && v.iter().all(|&x| x >= 0) => Ok(v.iter().map(|&x| x as usize).collect()),
        Some(v) => Err(ctx.error(format!("attribute {name} = {v:?} is not {len} non-negative values"))),
    }
}

fn auto_pad(ctx: &OpCtx) -> String {
    Attrs(ctx.node).string("auto_pad").unwrap_or_else(|| "NOTSET".into())
}

/// The axes' strides, dilations and padding, the output size left at 0.
fn common(ctx: &OpCtx, input: &[usize], kernel: &[usize], transposed: bool) -> Result<Vec<Axis>, ImportError> {
    let d = kernel.len();
    let strides = list(ctx, "strides", 1, d)?;
    let dilations = list(ctx, "dilations", 1, d)?;
    if strides.contains(&0) || dilations.contains(&0) || kernel.contains(&0) {
        return Err(ctx.error("kernel sizes, strides and dilations must be positive"));
    }
    if input[2..].contains(&0) {
        return Err(ctx.error(format!("the input {input:?} has an empty spatial axis")));
    }
    if Attrs(ctx.node).int("ceil_mode", 0) != 0 {
        return Err(ImportError::unsupported(ctx.op(), ctx.name, "ceil_mode = 1"));
    }
    Ok((0..d)
        .map(|a| Axis {
            input: input[2 + a],
            kernel: kernel[a],
            stride: strides[a],
            dilation: dilations[a],
            pad_begin: 0,
            output: 0,
            transposed,
        })
        .collect())
}

/// `(begin, end)` of a total padding split as `auto_pad` says (the odd one at the end for
/// SAME_UPPER, at the beginning for SAME_LOWER).
fn split_padding(total: usize, upper: bool) -> (usize, usize) {
    let small = total / 2;
    if upper {
        (small, total - small)
    } else {
        (total - small, small)
    }
}

/// Geometry of a convolution or pool (ONNX defaults for omitted attributes).
pub fn geometry(ctx: &OpCtx, input: &[usize], kernel: &[usize]) -> Result<Vec<Axis>, ImportError> {
    let d = kernel.len();
    let mut axes = common(ctx, input, kernel, false)?;
    let mut pads = list(ctx, "pads", 0, 2 * d)?;
    let auto_pad = auto_pad(ctx);
    for (a, axis) in axes.iter_mut().enumerate() {
        let span = axis.span();
        match auto_pad.as_str() {
            "NOTSET" => {}
            "VALID" => (pads[a], pads[a + d]) = (0, 0),
            "SAME_UPPER" | "SAME_LOWER" => {
                let total = ((axis.input.div_ceil(axis.stride) - 1) * axis.stride + span).saturating_sub(axis.input);
                (pads[a], pads[a + d]) = split_padding(total, auto_pad == "SAME_UPPER");
            }
            other => return Err(ctx.error(format!("unknown auto_pad {other}"))),
        }
        let padded = axis.input + pads[a] + pads[a + d];
        if padded < span {
            return Err(ctx.error(format!("the kernel ({span}) is larger than the padded input ({padded})")));
        }
        axis.pad_begin = pads[a];
        axis.output = (padded - span) / axis.stride + 1;
    }
    Ok(axes)
}

/// Geometry of a `ConvTranspose`: the output is `stride·(in − 1) + output_padding + span − pads`,
/// or `output_shape` with the padding it implies.
pub fn transposed_geometry(ctx: &OpCtx, input: &[usize], kernel: &[usize]) -> Result<Vec<Axis>, ImportError> {
    let d = kernel.len();
    let mut axes = common(ctx, input, kernel, true)?;
    let pads = list(ctx, "pads", 0, 2 * d)?;
    let output_padding = list(ctx, "output_padding", 0, d)?;
    let auto_pad = auto_pad(ctx);
    let output_shape = match Attrs(ctx.node).ints("output_shape") {
        // output_shape may list the whole shape or only the spatial axes
        Some(s) if s.len() >= d => Some(s[s.len() - d..].iter().map(|&v| v.max(0) as usize).collect::<Vec<_>>()),
        Some(s) => return Err(ctx.error(format!("output_shape {s:?} does not give {d} spatial sizes"))),
        None => None,
    };
    let same = matches!(auto_pad.as_str(), "SAME_UPPER" | "SAME_LOWER");
    if !matches!(auto_pad.as_str(), "NOTSET" | "VALID") && !same {
        return Err(ctx.error(format!("unknown auto_pad {auto_pad}")));
    }
    for (a, axis) in axes.iter_mut().enumerate() {
        if output_padding[a] >= axis.stride.max(axis.dilation) {
            return Err(ctx.error(format!("output_padding {} must be below the stride or dilation", output_padding[a])));
        }
        let full = axis.stride * (axis.input - 1) + output_padding[a] + axis.span();
        let wanted = output_shape.as_ref().map(|s| s[a]).or(same.then_some(axis.input * axis.stride));
        let (begin, end) = match wanted {
            Some(out) if out > full => {
                return Err(ctx.error(format!("output_shape {out} is larger than the full output {full}")))
            }
            // the spec: the odd padding at the end for SAME_UPPER, at the beginning otherwise
            Some(out) => split_padding(full - out, auto_pad == "SAME_UPPER"),
            None if auto_pad == "VALID" => (0, 0),
            None => (pads[a], pads[a + d]),
        };
        if begin + end >= full {
            return Err(ctx.error(format!("the padding ({}) leaves no output of {full}", begin + end)));
        }
        axis.pad_begin = begin;
        axis.output = full - begin - end;
    }
    Ok(axes)
}

/// Every multi-index of a grid of `dims`, row-major.
fn grid(dims: &[usize]) -> Vec<Vec<usize>> {
    dims.iter().fold(vec![vec![]], |acc, &d| {
        acc.iter().flat_map(|prefix| (0..d).map(move |i| prefix.iter().copied().chain([i]).collect())).collect()
    })
}

/// im2col of `x` (`[N, C, spatial…]`): `[N, out…, C·Πkernel]` (channel-major inside a window) or,
/// per channel, `[N, C, out…, Πkernel]`.
pub fn patches(b: &mut Builder, name: &str, x: usize, shape: &[usize], axes: &[Axis], per_channel: bool) -> usize {
    let (n, c) = (shape[0], shape[1]);
    let spatial = &shape[2..];
    let outputs = grid(&axes.iter().map(|a| a.output).collect::<Vec<_>>());
    let offsets = grid(&axes.iter().map(|a| a.kernel).collect::<Vec<_>>());
    let plane: usize = spatial.iter().product();
    // the flat offset inside one channel's plane that output `o` reads through kernel offset `k`
    let read = |o: &[usize], k: &[usize]| -> Option<usize> {
        axes.iter()
            .zip(spatial)
            .enumerate()
            .try_fold(0, |acc, (a, (axis, &dim))| Some(acc * dim + axis.source(o[a], k[a])?))
    };
    let reads: Vec<Vec<Option<usize>>> = outputs.iter().map(|o| offsets.iter().map(|k| read(o, k)).collect()).collect();
    let mut sources = Vec::with_capacity(n * c * outputs.len() * offsets.len());
    let at = |ni: usize, ci: usize, r: &Option<usize>| r.map(|p| ((ni * c + ci) * plane + p) as u32);
    for ni in 0..n {
        if per_channel {
            for ci in 0..c {
                reads.iter().flatten().for_each(|r| sources.push(at(ni, ci, r)));
            }
        } else {
            for window in &reads {
                (0..c).for_each(|ci| window.iter().for_each(|r| sources.push(at(ni, ci, r))));
            }
        }
    }
    let out_dims = axes.iter().map(|a| a.output);
    let shape: Vec<usize> = if per_channel {
        [n, c].into_iter().chain(out_dims).chain([offsets.len()]).collect()
    } else {
        [n].into_iter().chain(out_dims).chain([c * offsets.len()]).collect()
    };
    b.push(&format!("{name}/patches"), Op::Select { sources }, vec![x], shape)
}
