//! `Resize` (opset 10+) and `Upsample` (opset 7–9) with constant scales or sizes. Each output
//! coordinate maps back to an input coordinate `x` by the node's
//! `coordinate_transformation_mode`; `nearest` then picks one input element per output element (a
//! `Select`: exact), `linear` weighs the two neighbours of `x` on each resized axis (a `Linear`
//! along that axis, one axis after the other: separable, as ONNX defines it). Indices outside the
//! input read its edge, as in ONNX's reference.

use super::select::{axis_back, move_axis_last, rewire};
use super::{OpCtx, Value};
use crate::graph_builder::Builder;
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use zkinfer_circuits::Op;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Nearest,
    Linear,
}

/// One resized axis: its input and output lengths and the scale the coordinates use.
struct AxisMap {
    axis: usize,
    len_in: usize,
    len_out: usize,
    scale: f64,
}

pub fn lower(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let x = ctx.arg(0)?.clone();
    let shape = b.shape(&x);
    let attrs = Attrs(ctx.node);
    let mode = match attrs.string("mode").as_deref().unwrap_or("nearest") {
        "nearest" => Mode::Nearest,
        "linear" | "bilinear" | "trilinear" => Mode::Linear,
        other => return Err(unsupported(ctx, format!("mode '{other}' (nearest and linear are)"))),
    };
    refuse_unsupported_attributes(ctx)?;
    let axes = resized_axes(ctx, &shape)?;
    // Upsample and Resize-10 read `o / scale` and truncate it (onnxruntime's "simple" rounding)
    let legacy = ctx.op() == "Upsample" || ctx.opset < 11;
    let transform = match legacy {
        true => "asymmetric".to_string(),
        false => attrs.string("coordinate_transformation_mode").unwrap_or_else(|| "half_pixel".into()),
    };
    let source = |a: &AxisMap, o: usize| source_coordinate(ctx, &transform, a, o);
    let mut y = x;
    match mode {
        Mode::Nearest => {
            let rounding = match legacy {
                true => "simple".to_string(),
                false => attrs.string("nearest_mode").unwrap_or_else(|| "round_prefer_floor".into()),
            };
            let picks = axes
                .iter()
                .map(|a| (0..a.len_out).map(|o| nearest(ctx, &rounding, source(a, o)?, a)).collect())
                .collect::<Result<Vec<Vec<usize>>, ImportError>>()?;
            let mut out_shape = shape.clone();
            axes.iter().for_each(|a| out_shape[a.axis] = a.len_out);
            y = rewire(b, ctx.name, &y, out_shape, |c| {
                let mut src = c.to_vec();
                axes.iter().zip(&picks).for_each(|(a, p)| src[a.axis] = p[c[a.axis]]);
                Some(src)
            });
        }
        Mode::Linear => {
            for a in &axes {
                let weight = interpolation_matrix(a, |o| source(a, o))?;
                y = along_axis(b, ctx, &y, a.axis, weight);
            }
        }
    }
    Ok(y)
}

fn unsupported(ctx: &OpCtx, what: String) -> ImportError {
    ImportError::unsupported(ctx.op(), ctx.name, what)
}

fn refuse_unsupported_attributes(ctx: &OpCtx) -> Result<(), ImportError> {
    let attrs = Attrs(ctx.node);
    if attrs.int("antialias", 0) != 0 {
        return Err(unsupported(ctx, "antialias = 1".into()));
    }
    if attrs.ints("axes").is_some() {
        return Err(unsupported(ctx, "the axes attribute (give scales or sizes for every axis)".into()));
    }
    match attrs.string("keep_aspect_ratio_policy").as_deref() {
        None | Some("stretch") => Ok(()),
        Some(p) => Err(unsupported(ctx, format!("keep_aspect_ratio_policy '{p}'"))),
    }
}

/// The axes whose length changes, from the constant `scales` or `sizes` input (or Upsample-7's
/// `scales` attribute); the output length of a scaled axis is `⌊len · scale⌋`.
fn resized_axes(ctx: &OpCtx, shape: &[usize]) -> Result<Vec<AxisMap>, ImportError> {
    let non_empty = |i: usize| -> Result<Option<ConstTensor>, ImportError> {
        Ok(if ctx.args.get(i).is_some_and(|a| a.is_some()) {
            ctx.opt_const(i)?.filter(|t| !t.data.is_empty()).cloned()
        } else {
            None
        })
    };
    let (scales_at, sizes_at) = if ctx.op() == "Upsample" || ctx.opset < 11 { (1, None) } else { (2, Some(3)) };
    let sizes = match sizes_at {
        Some(i) => non_empty(i)?,
        None => None,
    };
    let scales: Option<Vec<f64>> = match non_empty(scales_at)? {
        Some(t) => Some(t.data),
        None => Attrs(ctx.node).floats("scales").map(|s| s.iter().map(|&v| v as f64).collect()),
    };
    let per_axis: Vec<(usize, f64)> = match (sizes, scales) {
        (Some(sizes), _) => {
            let sizes = sizes.as_i64();
            check_rank(ctx, "sizes", sizes.len(), shape.len())?;
            let out: Vec<usize> = sizes.iter().map(|&s| s.max(0) as usize).collect();
            out.iter().zip(shape).map(|(&o, &i)| (o, o as f64 / i.max(1) as f64)).collect()
        }
        (None, Some(scales)) => {
            check_rank(ctx, "scales", scales.len(), shape.len())?;
            if let Some(s) = scales.iter().find(|s| !s.is_finite() || **s <= 0.0) {
                return Err(ctx.error(format!("scale {s} is not a positive number")));
            }
            scales.iter().zip(shape).map(|(&s, &i)| ((i as f64 * s).floor() as usize, s)).collect()
        }
        (None, None) => return Err(ctx.error("neither scales nor sizes is given")),
    };
    let mut axes = Vec::new();
    for (axis, (&len_in, &(len_out, scale))) in shape.iter().zip(&per_axis).enumerate() {
        if len_out == 0 {
            return Err(ctx.error(format!("axis {axis} would have no elements")));
        }
        if len_out != len_in || scale != 1.0 {
            axes.push(AxisMap { axis, len_in, len_out, scale });
        }
    }
    Ok(axes)
}

fn check_rank(ctx: &OpCtx, what: &str, len: usize, rank: usize) -> Result<(), ImportError> {
    if len != rank {
        return Err(ctx.error(format!("{what} has {len} values for an input of rank {rank}")));
    }
    Ok(())
}

/// The input coordinate output index `o` reads, by `coordinate_transformation_mode`.
fn source_coordinate(ctx: &OpCtx, transform: &str, a: &AxisMap, o: usize) -> Result<f64, ImportError> {
    let (o, s, len_in, len_out) = (o as f64, a.scale, a.len_in as f64, a.len_out as f64);
    Ok(match transform {
        "half_pixel" => (o + 0.5) / s - 0.5,
        "pytorch_half_pixel" if a.len_out > 1 => (o + 0.5) / s - 0.5,
        "pytorch_half_pixel" => 0.0,
        "align_corners" if a.len_out > 1 => o * (len_in - 1.0) / (len_out - 1.0),
        "align_corners" => 0.0,
        "asymmetric" => o / s,
        "tf_half_pixel_for_nn" => (o + 0.5) / s,
        other => return Err(unsupported(ctx, format!("coordinate_transformation_mode '{other}'"))),
    })
}

/// The input index `nearest_mode` rounds coordinate `x` to, clamped to the axis.
fn nearest(ctx: &OpCtx, rounding: &str, x: f64, a: &AxisMap) -> Result<usize, ImportError> {
    let halfway = x.fract().abs() == 0.5;
    let i = match rounding {
        "simple" if a.scale < 1.0 => x.ceil(),
        "simple" => x.floor(),
        "round_prefer_floor" if halfway => x.floor(),
        "round_prefer_ceil" if halfway => x.ceil(),
        "round_prefer_floor" | "round_prefer_ceil" => x.round(),
        "floor" => x.floor(),
        "ceil" => x.ceil(),
        other => return Err(unsupported(ctx, format!("nearest_mode '{other}'"))),
    };
    Ok(i.clamp(0.0, (a.len_in - 1) as f64) as usize)
}

/// `W [len_in, len_out]`: output `o` is `(1 − f)·x[⌊c⌋] + f·x[⌊c⌋ + 1]` for its coordinate `c`
/// (`f` its fraction), both indices clamped to the axis.
fn interpolation_matrix(
    a: &AxisMap,
    source: impl Fn(usize) -> Result<f64, ImportError>,
) -> Result<ConstTensor, ImportError> {
    let mut data = vec![0.0; a.len_in * a.len_out];
    let last = (a.len_in - 1) as f64;
    for o in 0..a.len_out {
        let c = source(o)?;
        let (lo, f) = (c.floor(), c - c.floor());
        for (index, w) in [(lo, 1.0 - f), (lo + 1.0, f)] {
            let i = index.clamp(0.0, last) as usize;
            data[i * a.len_out + o] += w;
        }
    }
    Ok(ConstTensor { shape: vec![a.len_in, a.len_out], data })
}

/// `x` multiplied by `weight [len, len']` along axis `axis`: that axis moved last, a `Linear`,
/// and moved back.
fn along_axis(b: &mut Builder, ctx: &OpCtx, x: &Value, axis: usize, weight: ConstTensor) -> Value {
    let last = move_axis_last(b, ctx, x, axis);
    let id = b.node_of(&last, ctx.name);
    let mut moved_shape = b.nodes[id].shape.clone();
    *moved_shape.last_mut().expect("a resized tensor has axes") = weight.shape[1];
    let mut shape = b.shape(x);
    shape[axis] = weight.shape[1];
    let name = format!("{}/axis{axis}", ctx.name);
    let product = Value::Node(b.push(&name, Op::Linear { weight: weight.to_ir(), bias: None }, vec![id], moved_shape));
    axis_back(b, ctx, &product, &shape, axis)
}

#[cfg(test)]
mod tests {
    use crate::graph_builder::build;
    use crate::semantics_tests::{node, opset_13, value_info, FLOAT};
    use std::path::Path;
    use tract_onnx::pb;

    fn text(name: &str, value: &str) -> pb::AttributeProto {
        pb::AttributeProto {
            name: name.into(),
            s: value.as_bytes().to_vec(),
            r#type: pb::attribute_proto::AttributeType::String as i32,
            ..Default::default()
        }
    }

    /// `Resize` of a [1, 1, 2, 2] input by `scales`, with `attrs`: the import's error, if any.
    fn resize(scales: &[f32], attrs: Vec<pb::AttributeProto>) -> Result<(), String> {
        let scales = pb::TensorProto {
            name: "scales".into(),
            dims: vec![scales.len() as i64],
            data_type: FLOAT,
            float_data: scales.to_vec(),
            ..Default::default()
        };
        let graph = pb::GraphProto {
            node: vec![node("Resize", &["x", "", "scales"], "y", attrs)],
            initializer: vec![scales],
            input: vec![value_info("x", FLOAT, &[1, 1, 2, 2])],
            output: vec![value_info("y", FLOAT, &[])],
            ..Default::default()
        };
        build(&opset_13(graph), Path::new("."), None).map(|_| ()).map_err(|e| e.to_string())
    }

    #[test]
    fn what_is_not_built_is_refused_by_name() {
        let cubic = resize(&[1.0, 1.0, 2.0, 2.0], vec![text("mode", "cubic")]).unwrap_err();
        assert!(cubic.contains("Resize") && cubic.contains("mode 'cubic'"), "{cubic}");
        let crop = vec![text("mode", "linear"), text("coordinate_transformation_mode", "tf_crop_and_resize")];
        let crop = resize(&[1.0, 1.0, 2.0, 2.0], crop).unwrap_err();
        assert!(crop.contains("tf_crop_and_resize"), "{crop}");
        let rank = resize(&[2.0, 2.0], vec![]).unwrap_err();
        assert!(rank.contains("scales has 2 values for an input of rank 4"), "{rank}");
        let negative = resize(&[1.0, 1.0, -2.0, 2.0], vec![]).unwrap_err();
        assert!(negative.contains("not a positive number"), "{negative}");
        assert_eq!(resize(&[1.0, 1.0, 2.0, 2.0], vec![text("mode", "linear")]), Ok(()));
    }
}
