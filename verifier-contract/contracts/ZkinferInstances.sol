// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// Reads quantized values out of a zkinfer proof's public instances (`zkinfer inspect` prints
/// which instances hold which tensor, and how).
///
/// - Every instance of a verified proof is canonical (below the field modulus `p`: the generated
///   verifier reverts otherwise); both readers refuse anything else, so no value has two encodings.
/// - A value in an instance of its own is a BN254 scalar field element: negative values `v` are
///   `p − |v|` (`toSigned`).
/// - A packed tensor (models compiled with `--optimize verifier`) holds each value `v` in a slot
///   of `slotBits` bits as `v + 2^(slotBits-1)`, `252 / slotBits` slots per instance, the first
///   value in the lowest bits (`unpack`). The circuit range-checks every slot, so a verified
///   instance decodes to exactly the values the proof is about.
library ZkinferInstances {
    uint256 internal constant FIELD_MODULUS = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    uint256 internal constant WORD_BITS = 252;

    error NonCanonical(uint256 value);

    /// The signed integer a field element encodes (values above p/2 are negative).
    function toSigned(uint256 v) internal pure returns (int256) {
        if (v >= FIELD_MODULUS) revert NonCanonical(v);
        return v > FIELD_MODULUS / 2 ? -int256(FIELD_MODULUS - v) : int256(v);
    }

    /// The `index`-th value of a tensor packed from `instances[start]` on.
    function unpack(uint256[] calldata instances, uint256 start, uint256 slotBits, uint256 index) internal pure returns (int256) {
        uint256 perWord = WORD_BITS / slotBits;
        uint256 word = instances[start + index / perWord];
        if (word >= FIELD_MODULUS) revert NonCanonical(word);
        uint256 slot = (word >> (slotBits * (index % perWord))) & ((uint256(1) << slotBits) - 1);
        return int256(slot) - int256(uint256(1) << (slotBits - 1));
    }
}
