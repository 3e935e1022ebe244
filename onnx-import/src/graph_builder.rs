//! Builds the IR graph from an ONNX graph: resolves the input shape, lowers nodes in order,
//! then folds bias adds into linear layers and drops nodes no output depends on.

use crate::ops::{self, Value};
use crate::proto::load_tensor;
use crate::ImportError;
use std::collections::HashMap;
use std::path::Path;
use tract_onnx::pb::{type_proto, ModelProto, NodeProto, ValueInfoProto};
use zkinfer_circuits::ir::{Guard, GuardKind};
use zkinfer_circuits::{Graph, Node, Op};

/// The IR graph under construction.
#[derive(Default)]
pub struct Builder {
    pub nodes: Vec<Node>,
    /// What the lowerings rely on about node values, for the quantizer to check.
    pub guards: Vec<Guard>,
    /// The value range a lowering knows its node to stay in for every input the circuit accepts
    /// (an `ArgMax` index is in `[0, K)`), where the ops alone would give a wider one.
    pub ranges: HashMap<usize, (f64, f64)>,
}

impl Builder {
    /// Records that a lowering needs `kind` of node `node`'s values (see [`Guard`]).
    pub fn guard(&mut self, node: usize, kind: GuardKind, why: String) {
        self.guards.push(Guard { node, kind, why });
    }

    pub fn push(&mut self, name: &str, op: Op, inputs: Vec<usize>, shape: Vec<usize>) -> usize {
        self.nodes.push(Node { name: name.to_string(), op, inputs, shape });
        self.nodes.len() - 1
    }

    pub fn shape(&self, v: &Value) -> Vec<usize> {
        match v {
            Value::Node(id) => self.nodes[*id].shape.clone(),
            Value::Const(t) => t.shape.clone(),
        }
    }

    /// The node holding `v`, adding a Const node for a constant.
    pub fn node_of(&mut self, v: &Value, name: &str) -> usize {
        match v {
            Value::Node(id) => *id,
            Value::Const(t) => self.push(&format!("{name}/const"), Op::Const(t.to_ir()), vec![], t.shape.clone()),
        }
    }
}

pub fn build(model: &ModelProto, path: &Path, input_len: Option<usize>) -> Result<Graph, ImportError> {
    let graph = model.graph.as_ref().expect("checked by read_model");
    let mut values: HashMap<String, Value> = HashMap::new();
    for t in &graph.initializer {
        values.insert(t.name.clone(), Value::Const(load_tensor(t, path)?));
    }
    let parts = input_parts(model, input_len)?;
    let opset = model
        .opset_import
        .iter()
        .filter(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .max()
        .unwrap_or(13);
    let mut b = Builder::default();
    let input_id = match parts.as_slice() {
        [only] => {
            let id = b.push(&only.name, Op::Input, vec![], only.shape.clone());
            values.insert(only.name.clone(), Value::Node(id));
            id
        }
        _ => concatenated_inputs(&mut b, &mut values, &parts),
    };

    for node in &graph.node {
        let name =
            if node.name.is_empty() { node.output.first().cloned().unwrap_or_default() } else { node.name.clone() };
        let args = node
            .input
            .iter()
            .map(|i| {
                if i.is_empty() {
                    Ok(None)
                } else {
                    values.get(i).cloned().map(Some).ok_or_else(|| {
                        ImportError::Malformed(format!("node '{name}' reads '{i}', which nothing defines before it"))
                    })
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        refuse_empty_inputs(&b, node, &name, &args)?;
        let outputs = ops::lower(&mut b, node, &name, args, path, opset)?;
        for (out_name, v) in node.output.iter().zip(outputs) {
            values.insert(out_name.clone(), v);
        }
    }

    let mut outputs = Vec::new();
    for o in &graph.output {
        let v = values
            .get(&o.name)
            .ok_or_else(|| ImportError::Malformed(format!("graph output '{}' is never computed", o.name)))?
            .clone();
        let id = b.node_of(&v, &o.name);
        if b.nodes[id].is_empty() {
            return Err(ImportError::Reference(format!(
                "graph output '{}' has no elements (shape {:?}); zkinfer proves no empty tensors",
                o.name, b.nodes[id].shape
            )));
        }
        if crate::outputs::is_integer(crate::outputs::dtype(o)) {
            ops::guard_integer_output(&mut b, id, &o.name);
        }
        outputs.push(id);
    }
    let graph = Graph { nodes: b.nodes, input: input_id, outputs, guards: b.guards };
    let graph = prune(crate::fold::sink_relu_into_linear(crate::fold::fold_affine_into_linear(graph)));
    graph.validate().map_err(ImportError::Malformed)?;
    Ok(graph)
}

/// One input of the ONNX graph (an initializer listed among the inputs is not one).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputPart {
    pub name: String,
    pub shape: Vec<usize>,
}

/// The model's inputs with their static shapes, in the graph's order. With one input, a
/// symbolic dimension is fixed from `input_len`; with several, symbolic dimensions are 1.
pub fn input_parts(model: &ModelProto, input_len: Option<usize>) -> Result<Vec<InputPart>, ImportError> {
    let graph = model.graph.as_ref().expect("checked by read_model");
    let constant: std::collections::HashSet<&str> = graph.initializer.iter().map(|t| t.name.as_str()).collect();
    let inputs: Vec<&ValueInfoProto> = graph.input.iter().filter(|i| !constant.contains(i.name.as_str())).collect();
    if inputs.is_empty() {
        return Err(ImportError::Input("the model has no input (every graph input is an initializer)".into()));
    }
    let len = if inputs.len() == 1 { input_len } else { None };
    inputs.iter().map(|i| Ok(InputPart { name: i.name.clone(), shape: input_shape(i, len)? })).collect()
}

/// Several model inputs are read as one: the flat concatenation of every input, in the graph's
/// order, is the circuit's input (an input file lists them one after the other), and each ONNX
/// input is a `Select` of its span, so every op after sees its own tensor.
fn concatenated_inputs(b: &mut Builder, values: &mut HashMap<String, Value>, parts: &[InputPart]) -> usize {
    let total: usize = parts.iter().map(|p| p.shape.iter().product::<usize>()).sum();
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    let id = b.push(&names.join("+"), Op::Input, vec![], vec![total]);
    let mut offset = 0;
    for part in parts {
        let len: usize = part.shape.iter().product();
        let sources = (offset..offset + len).map(|i| Some(i as u32)).collect();
        let span = b.push(&part.name, Op::Select { sources }, vec![id], part.shape.clone());
        values.insert(part.name.clone(), Value::Node(span));
        offset += len;
    }
    id
}

/// Static input shape: symbolic or unknown dimensions (one at most) are fixed from `input_len`.
fn input_shape(input: &ValueInfoProto, input_len: Option<usize>) -> Result<Vec<usize>, ImportError> {
    let dims = match input.r#type.as_ref().and_then(|t| t.value.as_ref()) {
        Some(type_proto::Value::TensorType(t)) => t.shape.as_ref().map(|s| s.dim.clone()).unwrap_or_default(),
        _ => return Err(ImportError::Input(format!("input '{}' is not a tensor", input.name))),
    };
    let known: Vec<Option<usize>> = dims
        .iter()
        .map(|d| match &d.value {
            Some(tract_onnx::pb::tensor_shape_proto::dimension::Value::DimValue(v)) if *v > 0 => Some(*v as usize),
            _ => None,
        })
        .collect();
    let fixed: usize = known.iter().flatten().product();
    let symbolic = known.iter().filter(|d| d.is_none()).count();
    let fill = match (symbolic, input_len) {
        (0, _) => 1,
        (1, Some(len)) if fixed > 0 && len % fixed == 0 && len > 0 => len / fixed,
        (1, Some(len)) => {
            return Err(ImportError::Input(format!(
                "input '{}' has {len} values, which is not a multiple of its fixed dimensions {fixed}",
                input.name
            )))
        }
        (1, None) => 1,
        _ => {
            return Err(ImportError::Input(format!(
                "input '{}' has {symbolic} symbolic dimensions; zkinfer can fix one (the batch)",
                input.name
            )))
        }
    };
    Ok(known.iter().map(|d| d.unwrap_or(fill)).collect())
}

/// A computed tensor with no elements (a slice to nothing, a zero-length axis) has no values to
/// prove, and the ops' shape arithmetic assumes at least one: say so instead of lowering it.
fn refuse_empty_inputs(b: &Builder, node: &NodeProto, name: &str, args: &[Option<Value>]) -> Result<(), ImportError> {
    for (arg, input) in args.iter().zip(&node.input) {
        if let Some(Value::Node(id)) = arg {
            if b.nodes[*id].is_empty() {
                return Err(ImportError::BadNode {
                    op: node.op_type.clone(),
                    node: name.to_string(),
                    reason: format!(
                        "input '{input}' has no elements (shape {:?}); zkinfer proves no empty tensors",
                        b.nodes[*id].shape
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Drops nodes that no output depends on and renumbers the rest (the input always stays).
fn prune(graph: Graph) -> Graph {
    let mut live = vec![false; graph.nodes.len()];
    live[graph.input] = true;
    let mut stack = graph.outputs.clone();
    while let Some(id) = stack.pop() {
        if !std::mem::replace(&mut live[id], true) {
            stack.extend(&graph.nodes[id].inputs);
        }
    }
    let mut new_id = vec![usize::MAX; graph.nodes.len()];
    let mut nodes = Vec::new();
    for (id, mut node) in graph.nodes.into_iter().enumerate() {
        if live[id] {
            node.inputs.iter_mut().for_each(|i| *i = new_id[*i]);
            new_id[id] = nodes.len();
            nodes.push(node);
        }
    }
    // a guard on a pruned node guards nothing the proof shows
    let guards =
        graph.guards.into_iter().filter(|g| live[g.node]).map(|g| Guard { node: new_id[g.node], ..g }).collect();
    Graph { nodes, input: new_id[graph.input], outputs: graph.outputs.iter().map(|&o| new_id[o]).collect(), guards }
}
