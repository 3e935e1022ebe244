//! `Conv`, `AveragePool` and `GlobalAveragePool` (2-D, NCHW), lowered to what the circuit already
//! proves: an im2col `Select` (re-wiring, zero padding), a `Linear` with the kernel as weights,
//! and a `Select` back to NCHW. Groups become a block-diagonal weight matrix.

use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::Attrs;
use crate::ImportError;
use zkinfer_circuits::{Op, Tensor};

/// Window geometry along one spatial axis.
#[derive(Clone, Copy)]
struct Axis {
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    pad_begin: usize,
    output: usize,
}

impl Axis {
    /// The input coordinate a window position reads, None in the padding.
    fn source(&self, out: usize, k: usize) -> Option<usize> {
        let i = (out * self.stride + k * self.dilation) as isize - self.pad_begin as isize;
        (0..self.input as isize).contains(&i).then_some(i as usize)
    }
}

/// Geometry of the two spatial axes from the ONNX attributes (ONNX defaults when omitted).
fn geometry(ctx: &OpCtx, input: &[usize], kernel: [usize; 2]) -> Result<[Axis; 2], ImportError> {
    let attrs = Attrs(ctx.node);
    let list = |name: &str, default: usize, len: usize| -> Result<Vec<usize>, ImportError> {
        match attrs.ints(name) {
            None => Ok(vec![default; len]),
            Some(v) if v.len() == len && v.iter().all(|&x| x >= 0) => Ok(v.iter().map(|&x| x as usize).collect()),
            Some(v) => Err(ctx.error(format!("attribute {name} = {v:?} is not {len} non-negative values"))),
        }
    };
    let strides = list("strides", 1, 2)?;
    let dilations = list("dilations", 1, 2)?;
    if strides.contains(&0) || dilations.contains(&0) {
        return Err(ctx.error("strides and dilations must be positive"));
    }
    let auto_pad = ctx
        .node
        .attribute
        .iter()
        .find(|a| a.name == "auto_pad")
        .map(|a| String::from_utf8_lossy(&a.s).into_owned())
        .unwrap_or_else(|| "NOTSET".into());
    let mut pads = list("pads", 0, 4)?;
    if Attrs(ctx.node).int("ceil_mode", 0) != 0 {
        return Err(ImportError::unsupported(ctx.op(), ctx.name, "ceil_mode = 1"));
    }
    let mut axes = [0, 1].map(|a| Axis {
        input: input[2 + a],
        kernel: kernel[a],
        stride: strides[a],
        dilation: dilations[a],
        pad_begin: 0,
        output: 0,
    });
    for (a, axis) in axes.iter_mut().enumerate() {
        let span = (axis.kernel - 1) * axis.dilation + 1;
        match auto_pad.as_str() {
            "NOTSET" => {}
            "VALID" => (pads[a], pads[a + 2]) = (0, 0),
            "SAME_UPPER" | "SAME_LOWER" => {
                let total = ((axis.input.div_ceil(axis.stride) - 1) * axis.stride + span).saturating_sub(axis.input);
                let small = total / 2;
                (pads[a], pads[a + 2]) =
                    if auto_pad == "SAME_UPPER" { (small, total - small) } else { (total - small, small) };
            }
            other => return Err(ctx.error(format!("unknown auto_pad {other}"))),
        }
        let padded = axis.input + pads[a] + pads[a + 2];
        if padded < span {
            return Err(ctx.error(format!("the kernel ({span}) is larger than the padded input ({padded})")));
        }
        axis.pad_begin = pads[a];
        axis.output = (padded - span) / axis.stride + 1;
    }
    Ok(axes)
}

fn input_4d(b: &Builder, ctx: &OpCtx) -> Result<(usize, [usize; 4]), ImportError> {
    let Value::Node(x) = ctx.arg(0)? else {
        return Err(ImportError::unsupported(ctx.op(), ctx.name, "the input must be computed from the model input"));
    };
    match b.nodes[*x].shape.as_slice() {
        &[n, c, h, w] => Ok((*x, [n, c, h, w])),
        s => Err(ImportError::unsupported(
            ctx.op(),
            ctx.name,
            format!("only 2-D (NCHW) inputs are supported, the input has shape {s:?}"),
        )),
    }
}

/// im2col: `[N, OH, OW, C·KH·KW]` (channel-major inside a patch) or, per channel,
/// `[N, C, OH, OW, KH·KW]`.
fn patches(
    b: &mut Builder,
    name: &str,
    x: usize,
    [n, c, h, w]: [usize; 4],
    axes: [Axis; 2],
    per_channel: bool,
) -> usize {
    let [ay, ax] = axes;
    let mut sources = Vec::with_capacity(n * c * ay.output * ax.output * ay.kernel * ax.kernel);
    let source = |ni: usize, ci: usize, oy: usize, ox: usize, ky: usize, kx: usize| {
        Some(((ni * c + ci) * h + ay.source(oy, ky)?) * w + ax.source(ox, kx)?).map(|i| i as u32)
    };
    for ni in 0..n {
        if per_channel {
            for ci in 0..c {
                for oy in 0..ay.output {
                    for ox in 0..ax.output {
                        (0..ay.kernel)
                            .flat_map(|ky| (0..ax.kernel).map(move |kx| (ky, kx)))
                            .for_each(|(ky, kx)| sources.push(source(ni, ci, oy, ox, ky, kx)));
                    }
                }
            }
        } else {
            for oy in 0..ay.output {
                for ox in 0..ax.output {
                    for ci in 0..c {
                        (0..ay.kernel)
                            .flat_map(|ky| (0..ax.kernel).map(move |kx| (ky, kx)))
                            .for_each(|(ky, kx)| sources.push(source(ni, ci, oy, ox, ky, kx)));
                    }
                }
            }
        }
    }
    let shape = if per_channel {
        vec![n, c, ay.output, ax.output, ay.kernel * ax.kernel]
    } else {
        vec![n, ay.output, ax.output, c * ay.kernel * ax.kernel]
    };
    b.push(&format!("{name}/patches"), Op::Select { sources }, vec![x], shape)
}

pub fn conv(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let (x, [n, c, h, w]) = input_4d(b, ctx)?;
    let kernel = ctx.opt_const(1)?.ok_or_else(|| ctx.error("the weight input is missing"))?.clone();
    let &[m, c_per_group, kh, kw] = kernel.shape.as_slice() else {
        return Err(ImportError::unsupported(
            "Conv",
            ctx.name,
            format!("only 2-D kernels are supported, the weight has shape {:?}", kernel.shape),
        ));
    };
    let groups = Attrs(ctx.node).int("group", 1).max(1) as usize;
    if c_per_group * groups != c || m % groups != 0 {
        return Err(ctx.error(format!(
            "{groups} groups do not divide {c} input channels into {c_per_group} and {m} filters evenly"
        )));
    }
    let axes = geometry(ctx, &[n, c, h, w], [kh, kw])?;
    let cols = patches(b, ctx.name, x, [n, c, h, w], axes, false);
    // weight [C·KH·KW, M]: zero outside each filter's group
    let k = c * kh * kw;
    let mut weight = vec![0f32; k * m];
    for mi in 0..m {
        let group = mi / (m / groups);
        for cl in 0..c_per_group {
            let ci = group * c_per_group + cl;
            for (ky, kx) in (0..kh).flat_map(|ky| (0..kw).map(move |kx| (ky, kx))) {
                weight[((ci * kh + ky) * kw + kx) * m + mi] =
                    kernel.data[((mi * c_per_group + cl) * kh + ky) * kw + kx] as f32;
            }
        }
    }
    let bias = ctx.opt_const(2)?.map(|t| Tensor::new(vec![m], t.data.iter().map(|&v| v as f32).collect()));
    let (oh, ow) = (axes[0].output, axes[1].output);
    let lin = b.push(
        &format!("{}/matmul", ctx.name),
        Op::Linear { weight: Tensor::new(vec![k, m], weight), bias },
        vec![cols],
        vec![n, oh, ow, m],
    );
    // [N, OH, OW, M] -> [N, M, OH, OW]
    let sources = (0..n)
        .flat_map(|ni| (0..m).flat_map(move |mi| (0..oh * ow).map(move |p| Some(((ni * oh * ow + p) * m + mi) as u32))))
        .collect();
    Ok(Value::Node(b.push(ctx.name, Op::Select { sources }, vec![lin], vec![n, m, oh, ow])))
}

/// Per-channel pooling windows `[N, C, OH, OW, KH·KW]`, `[N, C, OH, OW]`, the window size, and
/// each window's count of real (not padding) elements. A max never sees the padding: a padded
/// position repeats an element of its own window (ONNX pads a max with −∞; a repeat leaves the
/// max unchanged too). An average sees zeros there.
pub fn pool_windows(b: &mut Builder, ctx: &OpCtx) -> Result<(usize, Vec<usize>, usize, Vec<usize>), ImportError> {
    let (x, [n, c, h, w]) = input_4d(b, ctx)?;
    let global = ctx.op() == "GlobalAveragePool";
    let kernel = if global {
        [h, w]
    } else {
        match Attrs(ctx.node).ints("kernel_shape").as_deref() {
            Some(&[kh, kw]) if kh > 0 && kw > 0 => [kh as usize, kw as usize],
            other => return Err(ctx.error(format!("kernel_shape must be two positive values, got {other:?}"))),
        }
    };
    let axes = if global {
        [h, w].map(|d| Axis { input: d, kernel: d, stride: 1, dilation: 1, pad_begin: 0, output: 1 })
    } else {
        geometry(ctx, &[n, c, h, w], kernel)?
    };
    let cols = patches(b, ctx.name, x, [n, c, h, w], axes, true);
    let window = kernel[0] * kernel[1];
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
    Ok((cols, vec![n, c, axes[0].output, axes[1].output], window, counts))
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
    let inverse = crate::proto::ConstTensor { shape: out, data: counts.iter().map(|&k| 1.0 / k as f64).collect() };
    super::elementwise::binary(b, ctx, zkinfer_circuits::ir::BinaryKind::Mul, &pooled, &Value::Const(inverse))
}
