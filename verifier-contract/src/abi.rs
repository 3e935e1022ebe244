//! The little of the Solidity ABI that calling zkinfer's contracts needs: static words, dynamic
//! `bytes` and `uint256[]`, function selectors.

use revm::primitives::{keccak256, Address};

/// One ABI argument.
#[derive(Clone, Debug)]
pub enum Token {
    /// Any static 32-byte value (uint256, bytes32, address left-padded).
    Word([u8; 32]),
    Bytes(Vec<u8>),
    Words(Vec<[u8; 32]>),
}

impl Token {
    pub fn address(a: Address) -> Self {
        Token::Word(address_word(a))
    }

    pub fn uint(v: u64) -> Self {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&v.to_be_bytes());
        Token::Word(w)
    }
}

/// An address as an ABI word (left-padded), as in an `address[]`.
pub fn address_word(a: Address) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[12..].copy_from_slice(a.as_slice());
    w
}

/// `w + r` for a canonical 32-byte word `w` (below BN254's scalar modulus `r`, so the sum fits
/// 256 bits): the same field element, a non-canonical encoding, which verifiers must refuse.
pub fn plus_modulus(word: &[u8; 32]) -> [u8; 32] {
    let r = hex::decode("30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001").expect("hex");
    add_words(word, &r.try_into().expect("32 bytes")).expect("the word was not canonical")
}

/// `a + b` over 256-bit big-endian words; `None` when the sum overflows 256 bits.
pub fn add_words(a: &[u8; 32], b: &[u8; 32]) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let sum = a[i] as u16 + b[i] as u16 + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    (carry == 0).then_some(out)
}

/// The 4-byte selector of a signature such as `verifyProof(bytes,uint256[])`.
pub fn selector(signature: &str) -> [u8; 4] {
    keccak256(signature.as_bytes())[..4].try_into().expect("4 bytes")
}

/// ABI-encodes the arguments (head/tail layout), without a selector.
pub fn encode(tokens: &[Token]) -> Vec<u8> {
    let mut head = Vec::new();
    let mut tail = Vec::new();
    let head_len = 32 * tokens.len();
    for t in tokens {
        match t {
            Token::Word(w) => head.extend_from_slice(w),
            Token::Bytes(b) => {
                head.extend_from_slice(&word(head_len + tail.len()));
                tail.extend_from_slice(&word(b.len()));
                tail.extend_from_slice(b);
                tail.resize(tail.len() + (32 - b.len() % 32) % 32, 0);
            }
            Token::Words(ws) => {
                head.extend_from_slice(&word(head_len + tail.len()));
                tail.extend_from_slice(&word(ws.len()));
                ws.iter().for_each(|w| tail.extend_from_slice(w));
            }
        }
    }
    head.extend(tail);
    head
}

/// Selector ‖ encoded arguments.
pub fn encode_call(signature: &str, tokens: &[Token]) -> Vec<u8> {
    let mut data = selector(signature).to_vec();
    data.extend(encode(tokens));
    data
}

fn word(v: usize) -> [u8; 32] {
    let mut w = [0u8; 32];
    w[24..].copy_from_slice(&(v as u64).to_be_bytes());
    w
}

/// Calldata of the stable `verifyProof(bytes proof, uint256[] instances)`.
pub fn verify_proof_call(proof: &[u8], instances: &[[u8; 32]]) -> Vec<u8> {
    encode_call("verifyProof(bytes,uint256[])", &[Token::Bytes(proof.to_vec()), Token::Words(instances.to_vec())])
}

/// Calldata of a generated `Halo2Verifier`: the instances, then the proof, unencoded.
pub fn raw_verifier_call(proof: &[u8], instances: &[[u8; 32]]) -> Vec<u8> {
    instances.iter().flatten().copied().chain(proof.iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_matches_solidity() {
        // keccak256("transfer(address,uint256)") starts with a9059cbb
        assert_eq!(selector("transfer(address,uint256)"), [0xa9, 0x05, 0x9c, 0xbb]);
    }

    #[test]
    fn dynamic_arguments_use_offsets() {
        let data = encode(&[Token::Bytes(vec![1, 2, 3]), Token::Words(vec![[7u8; 32]])]);
        assert_eq!(data.len(), 32 * 2 + 32 + 32 + 32 + 32);
        assert_eq!(data[31], 0x40); // bytes at 64
        assert_eq!(data[63], 0x80); // array after 32 (length) + 32 (padded data)
        assert_eq!(&data[96..99], &[1, 2, 3]);
    }
}

/// keccak256, as Solidity computes it.
pub fn keccak(bytes: &[u8]) -> [u8; 32] {
    keccak256(bytes).0
}

/// A big-endian 256-bit word as a decimal string (for `cast`, ethers, and humans).
pub fn word_to_decimal(word: &[u8; 32]) -> String {
    let mut digits = Vec::new();
    let mut n = word.to_vec();
    while n.iter().any(|&b| b != 0) {
        let mut rem = 0u32;
        for b in n.iter_mut() {
            let cur = (rem << 8) | *b as u32;
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
    }
    if digits.is_empty() {
        return "0".into();
    }
    digits.reverse();
    String::from_utf8(digits).expect("ascii digits")
}

#[cfg(test)]
mod decimal_tests {
    #[test]
    fn words_print_in_decimal() {
        let mut w = [0u8; 32];
        assert_eq!(super::word_to_decimal(&w), "0");
        w[30] = 1;
        w[31] = 2;
        assert_eq!(super::word_to_decimal(&w), "258");
        assert_eq!(
            super::word_to_decimal(&[0xff; 32]),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        );
    }
}
