// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @notice The stable interface of every zkinfer verifier, whatever the model.
interface IZkinferVerifier {
    /// @param proof     the proof bytes (`proof` in zkinfer's proof.json, hex-decoded)
    /// @param instances the public instances: the quantized model input, then the outputs
    /// @return true iff the proof is valid for these instances under this verifier's model
    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool);
}

/// @notice Gives a generated `Halo2Verifier` (whose raw calldata is instances ‖ proof and which
/// reverts on an invalid proof, or on any instance or proof scalar that is not below the field
/// modulus) the stable `verifyProof` ABI. Deploy the Halo2Verifier that `zkinfer gen-verifier`
/// writes for a model, then this contract with its address and the constructor arguments
/// `gen-verifier` prints.
/// - Parameters: with fixed parameters (the default) the Halo2Verifier's verifying key commits to
///   every weight. With public or hashed parameters the weights are witness values, and the last
///   `numInstances - paramsStart` instances show them (or their commitment): `paramsDigest`, the
///   keccak256 of those instances, pins the model. Zero for fixed (and private) parameters.
contract ZkinferVerifier is IZkinferVerifier {
    address public immutable halo2Verifier;
    uint256 public immutable numInstances;
    uint256 public immutable paramsStart;
    bytes32 public immutable paramsDigest;

    error NoVerifierCode();
    error BadParamsStart();

    constructor(address halo2Verifier_, uint256 numInstances_, uint256 paramsStart_, bytes32 paramsDigest_) {
        // a staticcall to an account without code succeeds: it would accept every proof
        if (halo2Verifier_.code.length == 0) revert NoVerifierCode();
        if (paramsStart_ > numInstances_) revert BadParamsStart();
        halo2Verifier = halo2Verifier_;
        numInstances = numInstances_;
        paramsStart = paramsStart_;
        paramsDigest = paramsDigest_;
    }

    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        if (instances.length != numInstances) return false;
        if (paramsDigest != bytes32(0) && keccak256(abi.encodePacked(instances[paramsStart:])) != paramsDigest) return false;
        (bool ok, ) = halo2Verifier.staticcall(abi.encodePacked(instances, proof));
        return ok;
    }
}
