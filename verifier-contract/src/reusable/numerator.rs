//! The quotient's numerator (every gate, the permutation and the lookups, folded by powers of
//! `y`) as a program for the reusable verifier: a stack machine whose leaves are slots of the
//! verifier's value table (`z`, challenges, Lagrange evaluations, the proof's evaluations, the
//! instance evaluation, constants).
//!
//! snark-verifier's expression type is not nameable outside its crate, so the tree is rebuilt
//! through its public `evaluate` with closures, then compiled. Leaves on the right of a sum or
//! product fold into one instruction (`ADDV`/`MULV`/`SUBV`), which halves the dispatches.

use halo2_proofs::halo2curves::bn256::Fr;
use std::collections::HashMap;

/// One node of the numerator as the reusable verifier evaluates it.
#[derive(Clone, Debug)]
pub enum Node {
    /// A slot of the value table.
    Leaf(u16),
    Neg(Box<Node>),
    Add(Box<Node>, Box<Node>),
    Mul(Box<Node>, Box<Node>),
}

/// The opcodes of `ZkinferReusableVerifier`'s interpreter (3 bytes an instruction: the opcode,
/// then a 16-bit slot for the ones that read one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    Push = 0,
    AddV = 1,
    MulV = 2,
    SubV = 3,
    Add = 4,
    Mul = 5,
    Sub = 6,
    Neg = 7,
}

/// Field constants the numerator uses, each given one slot (deduplicated).
#[derive(Default)]
pub struct Constants {
    pub values: Vec<Fr>,
    index: HashMap<[u8; 32], u16>,
}

impl Constants {
    /// The slot (relative to the first constant) holding `value`.
    pub fn slot(&mut self, value: Fr) -> u16 {
        let key = halo2_proofs::halo2curves::ff::PrimeField::to_repr(&value);
        let next = self.values.len() as u16;
        *self.index.entry(key).or_insert_with(|| {
            self.values.push(value);
            next
        })
    }
}

/// A compiled program: instructions, and the deepest stack it needs.
#[derive(Debug, Default)]
pub struct Program {
    pub ops: Vec<(Op, u16)>,
    pub max_depth: usize,
    depth: usize,
}

impl Program {
    pub fn compile(root: &Node) -> Self {
        let mut p = Program::default();
        p.emit(root);
        assert_eq!(p.depth, 1, "the numerator leaves one value");
        p
    }

    fn push(&mut self, op: Op, slot: u16) {
        match op {
            Op::Push => self.depth += 1,
            Op::Add | Op::Mul | Op::Sub => self.depth -= 1,
            _ => {}
        }
        self.max_depth = self.max_depth.max(self.depth);
        self.ops.push((op, slot));
    }

    fn emit(&mut self, node: &Node) {
        match node {
            Node::Leaf(s) => self.push(Op::Push, *s),
            Node::Neg(a) => {
                self.emit(a);
                self.push(Op::Neg, 0);
            }
            Node::Add(a, b) => match (a.as_ref(), b.as_ref()) {
                (_, Node::Neg(nb)) => self.binary(a, nb, Op::SubV, Op::Sub),
                (Node::Leaf(_), _) => self.binary(b, a, Op::AddV, Op::Add),
                _ => self.binary(a, b, Op::AddV, Op::Add),
            },
            Node::Mul(a, b) => match a.as_ref() {
                Node::Leaf(_) => self.binary(b, a, Op::MulV, Op::Mul),
                _ => self.binary(a, b, Op::MulV, Op::Mul),
            },
        }
    }

    /// `a ∘ b`: with `b` a leaf, one `with_leaf` instruction on `a`'s value.
    fn binary(&mut self, a: &Node, b: &Node, with_leaf: Op, with_value: Op) {
        self.emit(a);
        match b {
            Node::Leaf(s) => self.push(with_leaf, *s),
            _ => {
                self.emit(b);
                self.push(with_value, 0);
            }
        }
    }

    /// 3 bytes an instruction.
    pub fn bytes(&self) -> Vec<u8> {
        self.ops.iter().flat_map(|&(op, slot)| [op as u8, (slot >> 8) as u8, slot as u8]).collect()
    }
}

/// Evaluates a program natively over a value table: the encoder checks each program against
/// snark-verifier's own evaluation of the numerator before it writes a key.
pub fn run(program: &Program, values: &[Fr]) -> Fr {
    let mut stack: Vec<Fr> = Vec::with_capacity(program.max_depth);
    for &(op, slot) in &program.ops {
        let v = values[slot as usize];
        match op {
            Op::Push => stack.push(v),
            Op::AddV => *stack.last_mut().expect("stack") += v,
            Op::MulV => *stack.last_mut().expect("stack") *= v,
            Op::SubV => *stack.last_mut().expect("stack") -= v,
            Op::Neg => {
                let t = stack.last_mut().expect("stack");
                *t = -*t;
            }
            Op::Add | Op::Mul | Op::Sub => {
                let b = stack.pop().expect("stack");
                let a = stack.last_mut().expect("stack");
                match op {
                    Op::Add => *a += b,
                    Op::Mul => *a *= b,
                    _ => *a -= b,
                }
            }
        }
    }
    stack[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_fold_into_the_instruction_before_them() {
        let leaf = |s| Box::new(Node::Leaf(s));
        // (v0 + v1) * v2 - v3 * (v0 + v2)
        let tree = Node::Add(
            Box::new(Node::Mul(Box::new(Node::Add(leaf(0), leaf(1))), leaf(2))),
            Box::new(Node::Neg(Box::new(Node::Mul(leaf(3), Box::new(Node::Add(leaf(0), leaf(2))))))),
        );
        let p = Program::compile(&tree);
        // a leaf on the left of a sum is swapped to the right, where it folds
        assert_eq!(p.ops[..3], [(Op::Push, 1), (Op::AddV, 0), (Op::MulV, 2)]);
        assert_eq!(p.max_depth, 2);
        let values: Vec<Fr> = [5u64, 7, 11, 13].iter().map(|&v| Fr::from(v)).collect();
        assert_eq!(run(&p, &values), Fr::from((5 + 7) * 11) - Fr::from(13 * (5 + 11)));
        assert_eq!(p.bytes().len(), 3 * p.ops.len());
    }
}
