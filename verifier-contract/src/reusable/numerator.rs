//! The quotient's numerator (every gate, the permutation and the lookups, folded by powers of
//! `y`) as a program for the reusable verifier: a stack machine whose leaves are slots of the
//! verifier's value table (`z`, challenges, Lagrange evaluations, the proof's evaluations, the
//! instance evaluation, constants).
//!
//! snark-verifier's expression type is not nameable outside its crate, so the tree is rebuilt
//! through its public `evaluate` with closures, compiled to stack instructions (a leaf on the
//! right of a sum or product folds into the instruction, `ADDV`/`MULV`/`SUBV`), then to EVM code
//! ([`Program::evm_code`]): the key contract's code is its model's numerator.

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

/// The instructions of a numerator program: push a slot, combine the top with a slot (`…V`), or
/// combine the two top values.
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

    /// The program as straight-line EVM code, the body of the key contract: called with the
    /// value table as calldata (slot `i` at byte `32 i`), it returns the numerator.
    ///
    /// `r` stays at the bottom of the stack (and in memory word 0, for depths a `DUP` cannot
    /// reach); every operation brings it up under its operands, so a slot costs a `PUSH2` and a
    /// `CALLDATALOAD` and an operation about 14 gas, against about 200 for an interpreted one.
    /// All values stay in `[0, r]`: loads and `ADDMOD`/`MULMOD` results are below `r`, and a
    /// negation `r − a` of such a value is at most `r`; the result is reduced before it returns.
    pub fn evm_code(&self) -> Vec<u8> {
        let mut code = Vec::with_capacity(8 * self.ops.len() + 64);
        code.push(evm::PUSH32);
        code.extend(evm::modulus_bytes());
        code.extend([evm::DUP1, evm::PUSH1, 0, evm::MSTORE]);
        let mut depth = 0usize; // values above r
        for &(op, slot) in &self.ops {
            let load = |code: &mut Vec<u8>| {
                let offset = 32 * slot as usize;
                code.extend([evm::PUSH2, (offset >> 8) as u8, offset as u8, evm::CALLDATALOAD]);
            };
            match op {
                Op::Push => {
                    load(&mut code);
                    depth += 1;
                }
                Op::AddV | Op::MulV | Op::SubV => {
                    load(&mut code);
                    let combine = match op {
                        Op::AddV => evm::ADDMOD,
                        Op::MulV => evm::MULMOD,
                        _ => {
                            evm::modulus(&mut code, depth + 1);
                            code.push(evm::SUB);
                            evm::ADDMOD
                        }
                    };
                    evm::modulus(&mut code, depth + 1);
                    code.extend([evm::SWAP2, combine]);
                }
                Op::Add | Op::Mul | Op::Sub => {
                    let combine = match op {
                        Op::Add => evm::ADDMOD,
                        Op::Mul => evm::MULMOD,
                        _ => {
                            evm::modulus(&mut code, depth);
                            code.push(evm::SUB);
                            evm::ADDMOD
                        }
                    };
                    evm::modulus(&mut code, depth);
                    code.extend([evm::SWAP2, combine]);
                    depth -= 1;
                }
                Op::Neg => {
                    evm::modulus(&mut code, depth);
                    code.push(evm::SUB);
                }
            }
        }
        // [r, value] -> value mod r, returned as one word
        code.extend([evm::MOD, evm::PUSH1, 0, evm::MSTORE, evm::PUSH1, 0x20, evm::PUSH1, 0, evm::RETURN]);
        code
    }
}

/// The few EVM opcodes the numerator is written in.
mod evm {
    pub const MOD: u8 = 0x06;
    pub const ADDMOD: u8 = 0x08;
    pub const MULMOD: u8 = 0x09;
    pub const SUB: u8 = 0x03;
    pub const CALLDATALOAD: u8 = 0x35;
    pub const MLOAD: u8 = 0x51;
    pub const MSTORE: u8 = 0x52;
    pub const PUSH1: u8 = 0x60;
    pub const PUSH2: u8 = 0x61;
    pub const PUSH32: u8 = 0x7f;
    pub const DUP1: u8 = 0x80;
    pub const SWAP2: u8 = 0x91;
    pub const RETURN: u8 = 0xf3;

    /// BN254's scalar field modulus r, big-endian.
    pub fn modulus_bytes() -> [u8; 32] {
        let hex = "30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        std::array::from_fn(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
    }

    /// Pushes r, with `above` values on the stack above the r at its bottom: `DUP` when it can
    /// reach it, else from memory word 0.
    pub fn modulus(code: &mut Vec<u8>, above: usize) {
        if above < 16 {
            code.push(DUP1 + above as u8);
        } else {
            code.extend([PUSH1, 0, MLOAD]);
        }
    }
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
        let expected = Fr::from((5 + 7) * 11) - Fr::from(13 * (5 + 11));
        assert_eq!(super::super::run_numerator(&p.evm_code(), &values).unwrap(), expected);
    }

    /// Past sixteen values on the stack `DUP` cannot reach r: the code reads it from memory.
    #[test]
    fn deep_stacks_read_the_modulus_from_memory() {
        let leaf = |s| Box::new(Node::Leaf(s));
        // (v1 + v0) * -((v2 + v0) * -(... (v19 + v0) * -(v0 * v0))): each product waits on its right
        let mut tree = Node::Mul(leaf(0), leaf(0));
        let mut expected = Fr::from(9);
        for s in (1..20u16).rev() {
            tree = Node::Mul(Box::new(Node::Add(leaf(s), leaf(0))), Box::new(Node::Neg(Box::new(tree))));
            expected = -(Fr::from(s as u64 + 3) + Fr::from(3)) * expected;
        }
        let p = Program::compile(&tree);
        assert!(p.max_depth > 16, "depth {}", p.max_depth);
        let values: Vec<Fr> = (0..20u64).map(|i| Fr::from(i + 3)).collect();
        assert_eq!(super::super::run_numerator(&p.evm_code(), &values).unwrap(), expected);
    }
}
