// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// Reads values out of packed public instances. A model compiled with `--optimize verifier` may
/// pack a public tensor: each quantized value `v` sits in a slot of `slotBits` bits as
/// `v + 2^(slotBits-1)`, `252 / slotBits` slots per instance, the first value in the lowest bits
/// (`zkinfer inspect` prints the slot width and where each part starts). The circuit range-checks
/// every slot, so a verified instance decodes to exactly the values the proof is about.
library ZkinferPacking {
    uint256 internal constant WORD_BITS = 252;

    /// The `index`-th value of a tensor packed from `instances[start]` on.
    function unpack(uint256[] calldata instances, uint256 start, uint256 slotBits, uint256 index) internal pure returns (int256) {
        uint256 perWord = WORD_BITS / slotBits;
        uint256 word = instances[start + index / perWord];
        uint256 slot = (word >> (slotBits * (index % perWord))) & ((uint256(1) << slotBits) - 1);
        return int256(slot) - int256(uint256(1) << (slotBits - 1));
    }
}
