// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @notice One verifier for every zkinfer model. A model is registered by deploying its **key
/// contract** (`zkinfer gen-verifier --reusable` writes it): its code is the model's numerator
/// (every gate, the permutation and the lookups, as straight-line EVM code that takes the value
/// table as calldata and returns one word), followed by the model's verifying key as data
/// (verifier-contract/src/reusable; layout in docs/verifier.md). `verifyProof` reads the key,
/// replays the proof's Keccak transcript, calls the key for the constraints at the challenge
/// point and runs SHPLONK's multi-open and the KZG pairing: the same checks as the model's own
/// generated verifier, in loops instead of unrolled code.
/// - The key is trusted: whoever calls this contract must pin the key's address (or its
///   codehash), which pins the model, its weights and, for witness-parameter models, the
///   parameter digest the key holds.
/// - Returns false for an invalid proof, wrong or non-canonical instances (or proof scalars),
///   another model's proof, a wrong instance count or a malformed key. Calldata whose ABI offsets
///   or lengths run past its end reverts in Solidity's decoder, and so does a call out of gas:
///   treat a revert as a refusal too. A rejected proof can consume the gas forwarded to it (a
///   failing precompile call uses up its gas).
/// - The statement is the decoded `(proof, instances)`, not the calldata bytes (offsets and
///   padding can differ): key replay protection on the instances, never on `msg.data`.
contract ZkinferReusableVerifier {
    function verifyProof(address key, bytes calldata proof, uint256[] calldata instances)
        external
        view
        returns (bool)
    {
        assembly {
            // Constants: R is BN254's scalar field modulus r (each function names it), Q its base field's.

            // ---- memory: registers at 0x80..0x3e0, EC scratch at 0x400, modexp at 0x500, data from 0x600
            // 0x80 key header   0xa0 phases  0xc0 preprocessed  0xe0 w, then the Lagrange points
            // 0x100 constants  0x120 sets  0x140 key address  0x160 values  0x1a0 denominators
            // 0x1c0 set sums  0x1e0 MSM scalars  0x200 transcript  0x220 proof  0x240 quotient chunks
            // 0x260 evaluations  0x280 W  0x2a0 z'  0x2c0 mu  0x2e0 gamma  0x300 z^n  0x320 G's scalar
            // 0x340 z_s of set 0  0x360 prefix products  0x380 and 0x3a0 the instance sums N and S

            function reject() {
                mstore(0, 0)
                return(0, 0x20)
            }

            function h(i) -> v {
                v := mload(add(mload(0x80), shl(5, i)))
            }

            function slot(i) -> p {
                p := add(mload(0x160), shl(5, i))
            }

            // value-table slots: z, challenges, Lagrange evaluations, evaluations, instance, quotient, constants
            // (the numerator reads them all but the quotient's)
            function lagSlot() -> s {
                s := add(1, h(14))
            }

            function evalSlot() -> s {
                s := add(lagSlot(), h(13))
            }

            function constSlot() -> s {
                s := add(evalSlot(), add(h(12), 2))
            }

            // Copies the key's data (after its code: `PUSH2 start, POP, numerator`), checks its magic
            // and length, lays out memory.
            function loadKey(keyAddress) {
                let size := extcodesize(keyAddress)
                if lt(size, 964) { reject() }
                extcodecopy(keyAddress, 0x400, 0, 0x20)
                let head := mload(0x400)
                if iszero(and(eq(byte(0, head), 0x61), eq(byte(3, head), 0x50))) { reject() }
                let start := and(shr(232, head), 0xffff)
                if gt(add(start, 960), size) { reject() }
                let base := 0x600
                extcodecopy(keyAddress, base, start, sub(size, start))
                mstore(0x80, base)
                mstore(0x140, keyAddress)
                if iszero(eq(h(0), 0x7a6b696e6665722d6b65792d7632)) { reject() }
                let p := add(base, 960)
                mstore(0xa0, p)
                p := add(p, shl(6, h(7)))
                mstore(0xc0, p)
                p := add(p, shl(6, h(8)))
                mstore(0xe0, p)
                p := add(p, shl(5, add(h(13), 1)))
                mstore(0x100, p)
                let constants := p
                p := add(p, shl(5, h(15)))
                mstore(0x120, p)
                p := add(p, shl(5, h(19)))
                if iszero(eq(sub(p, base), sub(size, start))) { reject() }
                if iszero(eq(h(17), add(constSlot(), h(15)))) { reject() }
                mstore(0x160, p)
                // the constants go straight to their value slots
                extcodecopy(keyAddress, slot(constSlot()), add(start, sub(constants, base)), shl(5, h(15)))
                p := add(p, shl(5, h(17)))
                let dens := add(add(2, h(13)), add(h(19), h(16)))
                mstore(0x1a0, p)
                p := add(p, shl(5, dens))
                mstore(0x360, p)
                p := add(p, shl(5, dens))
                mstore(0x1c0, p)
                p := add(p, shl(5, h(16)))
                mstore(0x1e0, p)
                p := add(p, shl(5, add(add(h(8), h(9)), 1)))
                mstore(0x200, p)
            }

            function squeeze(tb, len) -> c {
                if eq(len, 0x20) {
                    mstore8(add(tb, 0x20), 1)
                    len := 0x21
                }
                let hash := keccak256(tb, len)
                mstore(tb, hash)
                c := mod(hash, 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001)
            }

            // Rejects unless calldata holds an affine point of BN254's G1 at `cd` (coordinates below q).
            function requirePoint(cd) {
                let Q := 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47
                let x := calldataload(cd)
                let y := calldataload(add(cd, 0x20))
                let valid := and(lt(x, Q), lt(y, Q))
                valid := and(valid, eq(mulmod(y, y, Q), addmod(mulmod(x, mulmod(x, x, Q), Q), 3, Q)))
                if iszero(valid) { reject() }
            }

            // Appends `count` points from calldata `cd` to the transcript; returns the new length and cursor.
            function absorbPoints(tb, len, cd, count) -> newLen, next {
                for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                    requirePoint(add(cd, shl(6, i)))
                }
                calldatacopy(add(tb, len), cd, shl(6, count))
                newLen := add(len, shl(6, count))
                next := add(cd, shl(6, count))
            }

            // The transcript: the key's digest, the instances, each phase's commitments and challenges,
            // the quotient chunks, z, the evaluations, then SHPLONK's mu, gamma, W, z' and W'.
            function readTranscript(cd, ni, instancesAt) {
                let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let tb := mload(0x200)
                mstore(tb, h(6))
                calldatacopy(add(tb, 0x20), instancesAt, shl(5, ni))
                let len := add(0x20, shl(5, ni))
                mstore(0x220, cd)
                let challenge := slot(1)
                let phases := mload(0xa0)
                for { let i := 0 } lt(i, h(7)) { i := add(i, 1) } {
                    len, cd := absorbPoints(tb, len, cd, mload(add(phases, shl(6, i))))
                    for { let j := 0 } lt(j, mload(add(phases, add(shl(6, i), 0x20)))) { j := add(j, 1) } {
                        mstore(challenge, squeeze(tb, len))
                        len := 0x20
                        challenge := add(challenge, 0x20)
                    }
                }
                mstore(0x240, cd)
                len, cd := absorbPoints(tb, len, cd, h(10))
                mstore(slot(0), squeeze(tb, len))
                len := 0x20
                let e := h(12)
                mstore(0x260, cd)
                calldatacopy(add(tb, len), cd, shl(5, e))
                len := add(len, shl(5, e))
                let ev := slot(evalSlot())
                for { let i := 0 } lt(i, e) { i := add(i, 1) } {
                    let v := calldataload(add(cd, shl(5, i)))
                    if iszero(lt(v, R)) { reject() }
                    mstore(add(ev, shl(5, i)), v)
                }
                cd := add(cd, shl(5, e))
                mstore(0x2c0, squeeze(tb, len))
                mstore(0x2e0, squeeze(tb, 0x20))
                mstore(0x280, cd)
                len, cd := absorbPoints(tb, 0x20, cd, 1)
                mstore(0x2a0, squeeze(tb, len))
                requirePoint(cd)
            }

            function modInverse(v) -> inv {
                mstore(0x500, 0x20)
                mstore(0x520, 0x20)
                mstore(0x540, 0x20)
                mstore(0x560, v)
                mstore(0x580, 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593efffffff)
                mstore(0x5a0, 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001)
                if iszero(staticcall(gas(), 5, 0x500, 0xc0, 0x500, 0x20)) { reject() }
                inv := mload(0x500)
            }

            // Inverts arr[0..n) in place with one modular exponentiation (Montgomery's trick).
            function batchInvert(arr, n) {
                let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let pref := mload(0x360)
                let acc := 1
                for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                    acc := mulmod(acc, mload(add(arr, shl(5, i))), R)
                    mstore(add(pref, shl(5, i)), acc)
                }
                // a zero denominator (z or z' on a point the prover cannot aim at) would zero every inverse
                if iszero(acc) { reject() }
                let inv := modInverse(acc)
                for { let i := sub(n, 1) } gt(i, 0) { i := sub(i, 1) } {
                    let at := add(arr, shl(5, i))
                    let a := mload(at)
                    mstore(at, mulmod(inv, mload(add(pref, shl(5, sub(i, 1)))), R))
                    inv := mulmod(inv, a, R)
                }
                mstore(arr, inv)
            }

            // Next set after the one at `s` (m rotations, p polynomials).
            function nextSet(s) -> n {
                let m := mload(s)
                n := add(add(s, 0x40), add(shl(6, m), mul(shl(5, mload(add(s, 0x20))), add(m, 1))))
            }

            // The instances' part of the evaluation, sum_i x_i L_i(z), without a Lagrange value each:
            // L_i(z) = (z^n - 1)/n * w^i/(z - w^i) and w^i/(z - w^i) = z/(z - w^i) - 1, so the sum is
            // (z^n - 1)/n * (z N/D - S) with S = sum x_i and N/D = sum x_i/(z - w^i), built as one
            // fraction (N d + x D) / (D d). Stores N and S, returns D (inverted with the others).
            // Also rejects any instance that is not below r.
            function instanceSums(instancesAt, z) -> d {
                let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let w := mload(mload(0xe0))
                let wi := 1
                let num := 0
                let sum := 0
                d := 1
                for { let i := 0 } lt(i, h(1)) { i := add(i, 1) } {
                    let x := calldataload(add(instancesAt, shl(5, i)))
                    if iszero(lt(x, R)) { reject() }
                    let di := addmod(z, sub(R, wi), R)
                    num := addmod(mulmod(num, di, R), mulmod(x, d, R), R)
                    d := mulmod(d, di, R)
                    sum := addmod(sum, x, R)
                    wi := mulmod(wi, w, R)
                }
                mstore(0x380, num)
                mstore(0x3a0, sum)
            }

            // The first batch of denominators: z^n - 1, z - w^j for each Lagrange point of the
            // numerator, the instance sum's denominator, and per SHPLONK set the barycentric
            // denominators ell_j z^(m-1) (z' - w_j z) and, after the first set, z_s. Returns how many.
            function fillDenominators(instancesAt) -> n {
                let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let den := mload(0x1a0)
                let z := mload(slot(0))
                let zp := mload(0x2a0)
                let zn := z
                for { let i := 0 } lt(i, h(4)) { i := add(i, 1) } { zn := mulmod(zn, zn, R) }
                mstore(0x300, zn)
                mstore(den, addmod(zn, sub(R, 1), R))
                let lags := add(mload(0xe0), 0x20)
                for { let i := 0 } lt(i, h(13)) { i := add(i, 1) } {
                    mstore(add(den, shl(5, add(i, 1))), addmod(z, sub(R, mload(add(lags, shl(5, i)))), R))
                }
                mstore(add(den, shl(5, add(h(13), 1))), instanceSums(instancesAt, z))
                n := add(h(13), 2)
                let s := mload(0x120)
                for { let k := 0 } lt(k, h(16)) { k := add(k, 1) } {
                    let m := mload(s)
                    let zpow := 1
                    for { let j := 1 } lt(j, m) { j := add(j, 1) } { zpow := mulmod(zpow, z, R) }
                    let zs := 1
                    for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                        let diff := addmod(zp, sub(R, mulmod(mload(add(s, shl(5, add(j, 2)))), z, R)), R)
                        zs := mulmod(zs, diff, R)
                        let ell := mload(add(s, shl(5, add(add(j, 2), m))))
                        mstore(add(den, shl(5, n)), mulmod(mulmod(ell, zpow, R), diff, R))
                        n := add(n, 1)
                    }
                    switch k
                    case 0 { mstore(0x340, zs) }
                    default {
                        mstore(add(den, shl(5, n)), zs)
                        n := add(n, 1)
                    }
                    s := nextSet(s)
                }
            }

            // The numerator's Lagrange evaluations and the instance evaluation in the value table,
            // then the key's numerator called on it: the quotient's evaluation, numerator / (z^n - 1).
            function evaluateQuotient() {
                let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let den := mload(0x1a0)
                let numer := mulmod(addmod(mload(0x300), sub(R, 1), R), h(5), R)
                let lags := add(mload(0xe0), 0x20)
                let lag := slot(lagSlot())
                let nl := h(13)
                for { let i := 0 } lt(i, nl) { i := add(i, 1) } {
                    let w := mload(add(lags, shl(5, i)))
                    mstore(add(lag, shl(5, i)), mulmod(mulmod(numer, w, R), mload(add(den, shl(5, add(i, 1)))), R))
                }
                let zOverD := mulmod(mload(slot(0)), mload(add(den, shl(5, add(nl, 1)))), R)
                let inner := addmod(mulmod(zOverD, mload(0x380), R), sub(R, mload(0x3a0)), R)
                mstore(slot(add(evalSlot(), h(12))), mulmod(numer, inner, R))
                // the numerator's code returns one word below r
                if iszero(staticcall(gas(), mload(0x140), mload(0x160), shl(5, h(17)), 0x400, 0x20)) { reject() }
                if iszero(eq(returndatasize(), 0x20)) { reject() }
                let value := mload(0x400)
                if iszero(lt(value, R)) { reject() }
                mstore(slot(add(evalSlot(), add(h(12), 1))), mulmod(value, mload(den), R))
            }

            // SHPLONK (BDFG21 as snark-verifier verifies it): per set the sum of its barycentric
            // weights (inverted in a second batch), then each polynomial's MSM scalar
            // gamma^s mu^i z_s0/z_s and the constant term on G.
            function shplonkScalars() {
                let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let den := mload(0x1a0)
                let sums := mload(0x1c0)
                let s := mload(0x120)
                let d := add(h(13), 2)
                for { let k := 0 } lt(k, h(16)) { k := add(k, 1) } {
                    let m := mload(s)
                    let sum := 0
                    for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                        sum := addmod(sum, mload(add(den, shl(5, add(d, j)))), R)
                    }
                    d := add(d, add(m, gt(k, 0)))
                    mstore(add(sums, shl(5, k)), sum)
                    s := nextSet(s)
                }
                batchInvert(sums, h(16))
                s := mload(0x120)
                d := add(h(13), 2)
                let gammaPow := 1
                let gScalar := 0
                for { let k := 0 } lt(k, h(16)) { k := add(k, 1) } {
                    let m := mload(s)
                    let coeff := 1
                    if gt(k, 0) { coeff := mulmod(mload(0x340), mload(add(den, shl(5, add(d, m)))), R) }
                    let rCoeff := mulmod(coeff, mload(add(sums, shl(5, k))), R)
                    gScalar := addmod(gScalar, setTerms(s, add(den, shl(5, d)), coeff, rCoeff, gammaPow), R)
                    d := add(d, add(m, gt(k, 0)))
                    gammaPow := mulmod(gammaPow, mload(0x2e0), R)
                    s := nextSet(s)
                }
                mstore(0x320, gScalar)
            }

            // Adds one set's polynomials to the MSM scalars; returns minus their constant term.
            function setTerms(s, barys, coeff, rCoeff, gammaPow) -> gTerm {
                let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                let m := mload(s)
                let scal := mload(0x1e0)
                let poly := add(s, add(0x40, shl(6, m)))
                let weight := gammaPow
                for { let i := 0 } lt(i, mload(add(s, 0x20))) { i := add(i, 1) } {
                    let r := 0
                    for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                        let v := mload(slot(mload(add(poly, shl(5, add(j, 1))))))
                        r := addmod(r, mulmod(mload(add(barys, shl(5, j))), v, R), R)
                    }
                    let at := add(scal, shl(5, mload(poly)))
                    mstore(at, addmod(mload(at), mulmod(weight, coeff, R), R))
                    gTerm := addmod(gTerm, sub(R, mulmod(weight, mulmod(r, rCoeff, R), R)), R)
                    weight := mulmod(weight, mload(0x2c0), R)
                    poly := add(poly, shl(5, add(m, 1)))
                }
            }

            // acc += s * (x, y), acc at 0x400; s = 1 skips the multiplication, s = 0 the point.
            function addMul(x, y, s) {
                if iszero(s) { leave }
                mstore(0x440, x)
                mstore(0x460, y)
                if iszero(eq(s, 1)) {
                    mstore(0x480, s)
                    if iszero(staticcall(gas(), 7, 0x440, 0x60, 0x440, 0x40)) { reject() }
                }
                if iszero(staticcall(gas(), 6, 0x400, 0x80, 0x400, 0x40)) { reject() }
            }

            // lhs = sum of scalar * commitment + G's scalar * G - z_s0 * W + z' * W'; then
            // e(lhs, g2) * e(W', -s g2) == 1.
            function pairing() -> valid {
                let R := 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001
                mstore(0x400, 0)
                mstore(0x420, 0)
                let scal := mload(0x1e0)
                let pre := mload(0xc0)
                let np := h(8)
                for { let i := 0 } lt(i, np) { i := add(i, 1) } {
                    addMul(mload(add(pre, shl(6, i))), mload(add(pre, add(shl(6, i), 0x20))), mload(add(scal, shl(5, i))))
                }
                let cd := mload(0x220)
                for { let i := 0 } lt(i, h(9)) { i := add(i, 1) } {
                    let at := add(cd, shl(6, i))
                    addMul(calldataload(at), calldataload(add(at, 0x20)), mload(add(scal, shl(5, add(np, i)))))
                }
                let c := mload(add(scal, shl(5, add(np, h(9)))))
                let step := 1
                for { let i := 0 } lt(i, h(11)) { i := add(i, 1) } { step := mulmod(step, mload(0x300), R) }
                cd := mload(0x240)
                for { let i := 0 } lt(i, h(10)) { i := add(i, 1) } {
                    let at := add(cd, shl(6, i))
                    addMul(calldataload(at), calldataload(add(at, 0x20)), c)
                    c := mulmod(c, step, R)
                }
                addMul(h(20), h(21), mload(0x320))
                let w := mload(0x280)
                addMul(calldataload(w), calldataload(add(w, 0x20)), sub(R, mload(0x340)))
                addMul(calldataload(add(w, 0x40)), calldataload(add(w, 0x60)), mload(0x2a0))
                let p := mload(0x200)
                mstore(p, mload(0x400))
                mstore(add(p, 0x20), mload(0x420))
                for { let i := 0 } lt(i, 4) { i := add(i, 1) } {
                    mstore(add(p, shl(5, add(i, 2))), h(add(22, i)))
                    mstore(add(p, shl(5, add(i, 8))), h(add(26, i)))
                }
                mstore(add(p, 0xc0), calldataload(add(w, 0x40)))
                mstore(add(p, 0xe0), calldataload(add(w, 0x60)))
                // Yul evaluates arguments right to left: the call must finish before its output is read.
                let ok := staticcall(gas(), 8, p, 0x180, p, 0x20)
                valid := and(ok, eq(mload(p), 1))
            }

            loadKey(key)
            let ni := h(1)
            if iszero(eq(instances.length, ni)) { reject() }
            if h(3) {
                let start := h(2)
                if gt(start, ni) { reject() }
                let tb := mload(0x200)
                calldatacopy(tb, add(instances.offset, shl(5, start)), shl(5, sub(ni, start)))
                if iszero(eq(keccak256(tb, shl(5, sub(ni, start))), h(3))) { reject() }
            }
            let expected := add(shl(6, add(add(h(9), h(10)), 2)), shl(5, h(12)))
            if iszero(eq(proof.length, expected)) { reject() }
            readTranscript(proof.offset, ni, instances.offset)
            batchInvert(mload(0x1a0), fillDenominators(instances.offset))
            evaluateQuotient()
            shplonkScalars()
            mstore(0, pairing())
            return(0, 0x20)
        }
    }
}
