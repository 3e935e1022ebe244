//! `TreeEnsembleRegressor` and `TreeEnsembleClassifier` (gradient boosting, random forests),
//! lowered level by level over all trees at once:
//!
//! - every branch node at depth `d` compares its feature with its threshold (`Compare`, one
//!   range check each), grouped by mode so each group is one node;
//! - `reach` is 1 on the path the input takes and 0 elsewhere: the children of a node with reach
//!   `r` and condition `c` get `r · c` and `r − r · c` (at depth 0, `c` and its complementary
//!   comparison);
//! - the leaves' reach values times their weights, summed by a `Linear`, give the scores.
//!
//! All reach values are exact 0/1 integers, so the only rounding is the leaf weights' and the
//! post-transform's. A threshold is re-quantized at its feature's scale so that on the input's
//! quantization grid every comparison takes the same branch as the float model.

use super::classifier::{self, Labels, PostTransform};
use super::features;
use crate::graph_builder::Builder;
use crate::ops::compare::{equal, less};
use crate::ops::elementwise::binary;
use crate::ops::select::rewire;
use crate::ops::{OpCtx, Value};
use crate::proto::{Attrs, ConstTensor};
use crate::ImportError;
use std::collections::HashMap;
use zkinfer_circuits::ir::BinaryKind;
use zkinfer_circuits::{Op, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Mode {
    Leq,
    Lt,
    Gte,
    Gt,
    Eq,
    Leaf,
}

#[derive(Clone, Debug)]
struct TreeNode {
    feature: usize,
    threshold: f64,
    mode: Mode,
    /// Children as node indices, already swapped for `BRANCH_NEQ` (= `Eq` with swapped branches).
    on_true: usize,
    on_false: usize,
}

/// The parsed ensemble: nodes, roots, and each leaf's `(target, weight)` contributions.
struct Ensemble {
    nodes: Vec<TreeNode>,
    roots: Vec<usize>,
    weights: HashMap<usize, Vec<(usize, f64)>>,
    trees: usize,
}

fn list<T: Clone>(ctx: &OpCtx, name: &str, values: Option<Vec<T>>, len: usize) -> Result<Vec<T>, ImportError> {
    let v = values.ok_or_else(|| ctx.error(format!("attribute {name} is missing")))?;
    if v.len() != len {
        return Err(ctx.error(format!("attribute {name} has {} entries, expected {len}", v.len())));
    }
    Ok(v)
}

/// Floats from `name` or from its `name_as_tensor` form (ai.onnx.ml opset 3).
fn floats(ctx: &OpCtx, name: &str) -> Result<Option<Vec<f64>>, ImportError> {
    let attrs = Attrs(ctx.node);
    if let Some(t) = attrs.tensor(&format!("{name}_as_tensor")) {
        return Ok(Some(crate::proto::load_tensor(t, ctx.path)?.data));
    }
    Ok(attrs.floats(name).map(|v| v.into_iter().map(|x| x as f64).collect()))
}

impl Ensemble {
    /// Reads the `nodes_*` attributes and the leaf weights `{prefix}_{treeids,nodeids,ids,weights}`.
    fn parse(ctx: &OpCtx, prefix: &str, n_features: usize) -> Result<Self, ImportError> {
        let attrs = Attrs(ctx.node);
        let tree_ids = attrs.ints("nodes_treeids").ok_or_else(|| ctx.error("attribute nodes_treeids is missing"))?;
        let n = tree_ids.len();
        let node_ids = list(ctx, "nodes_nodeids", attrs.ints("nodes_nodeids"), n)?;
        let features = list(ctx, "nodes_featureids", attrs.ints("nodes_featureids"), n)?;
        let values = list(ctx, "nodes_values", floats(ctx, "nodes_values")?, n)?;
        let modes = list(ctx, "nodes_modes", attrs.strings("nodes_modes"), n)?;
        let trues = list(ctx, "nodes_truenodeids", attrs.ints("nodes_truenodeids"), n)?;
        let falses = list(ctx, "nodes_falsenodeids", attrs.ints("nodes_falsenodeids"), n)?;
        let index: HashMap<(i64, i64), usize> =
            tree_ids.iter().zip(&node_ids).enumerate().map(|(i, (&t, &id))| ((t, id), i)).collect();
        let child = |i: usize, id: i64| {
            index.get(&(tree_ids[i], id)).copied().ok_or_else(|| {
                ctx.error(format!("tree {} node {} points to missing node {id}", tree_ids[i], node_ids[i]))
            })
        };
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let mode = match modes[i].as_str() {
                "BRANCH_LEQ" => Mode::Leq,
                "BRANCH_LT" => Mode::Lt,
                "BRANCH_GTE" => Mode::Gte,
                "BRANCH_GT" => Mode::Gt,
                "BRANCH_EQ" | "BRANCH_NEQ" => Mode::Eq,
                "LEAF" => Mode::Leaf,
                other => return Err(ctx.error(format!("unknown node mode {other}"))),
            };
            let (mut on_true, mut on_false) =
                if mode == Mode::Leaf { (i, i) } else { (child(i, trues[i])?, child(i, falses[i])?) };
            if modes[i] == "BRANCH_NEQ" {
                std::mem::swap(&mut on_true, &mut on_false);
            }
            let feature = features[i].max(0) as usize;
            if mode != Mode::Leaf && feature >= n_features {
                return Err(ctx.error(format!("a node tests feature {feature}, the input has {n_features}")));
            }
            nodes.push(TreeNode { feature, threshold: values[i], mode, on_true, on_false });
        }
        let mut is_child = vec![false; n];
        for node in nodes.iter().filter(|n| n.mode != Mode::Leaf) {
            is_child[node.on_true] = true;
            is_child[node.on_false] = true;
        }
        let roots: Vec<usize> = (0..n).filter(|&i| !is_child[i]).collect();
        let mut trees: Vec<i64> = tree_ids.clone();
        trees.sort_unstable();
        trees.dedup();
        if roots.len() != trees.len() {
            return Err(ctx.error(format!(
                "{} trees but {} root nodes: the nodes do not form trees",
                trees.len(),
                roots.len()
            )));
        }
        let weights = Self::leaf_weights(ctx, prefix, &index)?;
        Ok(Self { nodes, roots, weights, trees: trees.len() })
    }

    fn leaf_weights(
        ctx: &OpCtx,
        prefix: &str,
        index: &HashMap<(i64, i64), usize>,
    ) -> Result<HashMap<usize, Vec<(usize, f64)>>, ImportError> {
        let attrs = Attrs(ctx.node);
        let trees = attrs
            .ints(&format!("{prefix}_treeids"))
            .ok_or_else(|| ctx.error(format!("attribute {prefix}_treeids is missing")))?;
        let n = trees.len();
        let nodes = list(ctx, &format!("{prefix}_nodeids"), attrs.ints(&format!("{prefix}_nodeids")), n)?;
        let ids = list(ctx, &format!("{prefix}_ids"), attrs.ints(&format!("{prefix}_ids")), n)?;
        let weights = list(ctx, &format!("{prefix}_weights"), floats(ctx, &format!("{prefix}_weights"))?, n)?;
        let mut out: HashMap<usize, Vec<(usize, f64)>> = HashMap::new();
        for i in 0..n {
            let leaf = index
                .get(&(trees[i], nodes[i]))
                .ok_or_else(|| ctx.error(format!("a weight names missing node {} of tree {}", nodes[i], trees[i])))?;
            out.entry(*leaf).or_default().push((ids[i].max(0) as usize, weights[i]));
        }
        Ok(out)
    }

    fn targets(&self) -> usize {
        self.weights.values().flatten().map(|(t, _)| t + 1).max().unwrap_or(1)
    }

    /// Scores `[N, targets]`: the leaf weights summed over the leaves the input reaches, times
    /// `factor` (1, or 1/trees for an average), plus `base`.
    fn scores(
        &self,
        b: &mut Builder,
        ctx: &OpCtx,
        x: usize,
        targets: usize,
        factor: f64,
        base: &[f64],
    ) -> Result<Value, ImportError> {
        let n = b.nodes[x].shape[0];
        let mut level: Vec<usize> = self.roots.clone();
        let mut reach: Option<Value> = None; // None: every node of the level is reached (the roots)
        let mut leaf_reach: Vec<usize> = Vec::new();
        let mut leaves: Vec<usize> = Vec::new();
        let mut bias = vec![0.0; targets];
        for depth in 0.. {
            let name = format!("{}/depth{depth}", ctx.name);
            let leaf_slots: Vec<usize> =
                (0..level.len()).filter(|&i| self.nodes[level[i]].mode == Mode::Leaf).collect();
            match &reach {
                Some(r) if !leaf_slots.is_empty() => {
                    let picked = pick(b, &format!("{name}/leaves"), r, n, &leaf_slots);
                    leaf_reach.push(b.node_of(&picked, ctx.name));
                    leaves.extend(leaf_slots.iter().map(|&i| level[i]));
                }
                // a tree that is a single leaf always contributes its weight
                _ => leaf_slots
                    .iter()
                    .flat_map(|&i| self.weights.get(&level[i]))
                    .flatten()
                    .for_each(|&(t, w)| bias[t] += w),
            }
            let mut branches: Vec<usize> =
                (0..level.len()).filter(|&i| self.nodes[level[i]].mode != Mode::Leaf).collect();
            if branches.is_empty() {
                break;
            }
            // one comparison node per mode: order the branches by mode
            branches.sort_by_key(|&i| self.nodes[level[i]].mode as u8);
            let order: Vec<usize> = branches.iter().map(|&i| level[i]).collect();
            let (taken, not_taken) = match &reach {
                None => (self.conditions(b, ctx, x, &order, false)?, self.conditions(b, ctx, x, &order, true)?),
                Some(r) => {
                    let r = pick(b, &format!("{name}/branches"), r, n, &branches);
                    let cond = self.conditions(b, ctx, x, &order, false)?;
                    let taken = binary(b, ctx, BinaryKind::Mul, &r, &cond)?;
                    (taken.clone(), binary(b, ctx, BinaryKind::Sub, &r, &taken)?)
                }
            };
            let parts = [b.node_of(&taken, ctx.name), b.node_of(&not_taken, ctx.name)];
            reach = Some(Value::Node(b.push(
                &format!("{name}/reach"),
                Op::Concat { axis: 1 },
                parts.to_vec(),
                vec![n, 2 * order.len()],
            )));
            level = order
                .iter()
                .map(|&i| self.nodes[i].on_true)
                .chain(order.iter().map(|&i| self.nodes[i].on_false))
                .collect();
            if depth > self.nodes.len() {
                return Err(ctx.error("the trees have a cycle"));
            }
        }
        let bias: Vec<f32> =
            bias.iter().zip(base.iter().chain(std::iter::repeat(&0.0))).map(|(s, b)| (s * factor + b) as f32).collect();
        if leaf_reach.is_empty() {
            let data = (0..n).flat_map(|_| bias.iter().map(|&v| v as f64)).collect();
            return Ok(Value::Const(ConstTensor { shape: vec![n, targets], data }));
        }
        let all = if leaf_reach.len() == 1 {
            leaf_reach[0]
        } else {
            b.push(&format!("{}/leaf_reach", ctx.name), Op::Concat { axis: 1 }, leaf_reach, vec![n, leaves.len()])
        };
        let mut weight = vec![0f32; leaves.len() * targets];
        for (row, leaf) in leaves.iter().enumerate() {
            for &(t, w) in self.weights.get(leaf).into_iter().flatten() {
                weight[row * targets + t] += (w * factor) as f32;
            }
        }
        let op = Op::Linear {
            weight: Tensor::new(vec![leaves.len(), targets], weight),
            bias: Some(Tensor::new(vec![targets], bias)),
        };
        Ok(Value::Node(b.push(&format!("{}/scores", ctx.name), op, vec![all], vec![n, targets])))
    }

    /// `[N, order.len()]`: whether each branch node's test holds (or, `complement`, fails).
    fn conditions(
        &self,
        b: &mut Builder,
        ctx: &OpCtx,
        x: usize,
        order: &[usize],
        complement: bool,
    ) -> Result<Value, ImportError> {
        let n = b.nodes[x].shape[0];
        let mut parts = Vec::new();
        let mut start = 0;
        while start < order.len() {
            let mode = self.nodes[order[start]].mode;
            let end = start + order[start..].iter().take_while(|&&i| self.nodes[i].mode == mode).count();
            let group = &order[start..end];
            let feature: Vec<usize> = group.iter().map(|&i| self.nodes[i].feature).collect();
            let picked = rewire(b, &format!("{}/features", ctx.name), &Value::Node(x), vec![n, group.len()], |c| {
                Some(vec![c[0], feature[c[1]]])
            });
            let t = Value::Const(ConstTensor {
                shape: vec![group.len()],
                data: group.iter().map(|&i| self.nodes[i].threshold).collect(),
            });
            // the complement of x ≤ t is t < x, and so on
            let cond = match (mode, complement) {
                (Mode::Leq, false) | (Mode::Gt, true) => less(b, ctx, &picked, &t, false)?,
                (Mode::Lt, false) | (Mode::Gte, true) => less(b, ctx, &picked, &t, true)?,
                (Mode::Gte, false) | (Mode::Lt, true) => less(b, ctx, &t, &picked, false)?,
                (Mode::Gt, false) | (Mode::Leq, true) => less(b, ctx, &t, &picked, true)?,
                (Mode::Eq, false) => equal(b, ctx, &picked, &t)?,
                (Mode::Eq, true) => {
                    let below = less(b, ctx, &picked, &t, true)?;
                    let above = less(b, ctx, &t, &picked, true)?;
                    binary(b, ctx, BinaryKind::Add, &below, &above)?
                }
                (Mode::Leaf, _) => unreachable!("leaves are not branches"),
            };
            parts.push(b.node_of(&cond, ctx.name));
            start = end;
        }
        Ok(Value::Node(if parts.len() == 1 {
            parts[0]
        } else {
            b.push(&format!("{}/conditions", ctx.name), Op::Concat { axis: 1 }, parts, vec![n, order.len()])
        }))
    }
}

/// Columns `slots` of a `[N, M]` value.
fn pick(b: &mut Builder, name: &str, v: &Value, n: usize, slots: &[usize]) -> Value {
    rewire(b, name, v, vec![n, slots.len()], |c| Some(vec![c[0], slots[c[1]]]))
}

fn base_values(ctx: &OpCtx) -> Result<Vec<f64>, ImportError> {
    Ok(floats(ctx, "base_values")?.unwrap_or_default())
}

pub fn regressor(b: &mut Builder, ctx: &OpCtx) -> Result<Value, ImportError> {
    let (x, shape) = features(b, ctx)?;
    let ensemble = Ensemble::parse(ctx, "target", shape[1])?;
    let targets = (Attrs(ctx.node).int("n_targets", 1).max(1) as usize).max(ensemble.targets());
    let factor = match Attrs(ctx.node).string("aggregate_function").as_deref().unwrap_or("SUM") {
        "SUM" => 1.0,
        "AVERAGE" => 1.0 / ensemble.trees as f64,
        other => {
            return Err(ImportError::unsupported(
                ctx.op(),
                ctx.name,
                format!("aggregate_function {other} (SUM and AVERAGE are supported)"),
            ))
        }
    };
    if PostTransform::of(ctx)? != PostTransform::None {
        return Err(ImportError::unsupported(ctx.op(), ctx.name, "a post_transform on a regressor"));
    }
    ensemble.scores(b, ctx, x, targets, factor, &base_values(ctx)?)
}

pub fn classifier(b: &mut Builder, ctx: &OpCtx) -> Result<Vec<Value>, ImportError> {
    let (x, shape) = features(b, ctx)?;
    let labels = Labels::of(ctx, "classlabels_int64s")?;
    let ensemble = Ensemble::parse(ctx, "class", shape[1])?;
    // ONNX's binary layout: two classes, weights only for class 0, which then is class 1's score
    let binary = labels.count == 2 && ensemble.targets() == 1;
    let columns = if binary { 1 } else { labels.count };
    let positive = ensemble.weights.values().flatten().all(|&(_, w)| w >= 0.0);
    let scores = ensemble.scores(b, ctx, x, columns, 1.0, &base_values(ctx)?)?;
    classifier::outputs(b, ctx, scores, &labels, PostTransform::of(ctx)?, positive)
}
