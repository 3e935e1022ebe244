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
/// reverts on an invalid proof) the stable `verifyProof` ABI. Deploy the Halo2Verifier that
/// `zkinfer gen-verifier` writes for a model, then this contract with its address.
contract ZkinferVerifier is IZkinferVerifier {
    address public immutable halo2Verifier;
    uint256 public immutable numInstances;

    constructor(address halo2Verifier_, uint256 numInstances_) {
        halo2Verifier = halo2Verifier_;
        numInstances = numInstances_;
    }

    function verifyProof(bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        if (instances.length != numInstances) return false;
        (bool ok, ) = halo2Verifier.staticcall(abi.encodePacked(instances, proof));
        return ok;
    }
}
