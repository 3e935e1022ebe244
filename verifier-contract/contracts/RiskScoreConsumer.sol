// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import "./ZkinferVerifier.sol";
import "./ZkinferInstances.sol";

/// @notice A lending-side consumer: accepts a borrower's risk score only with a valid zkinfer proof
/// of the pinned model, computed on the features registered for that borrower.
/// - Model: the verifier address is fixed at deploy; its verifying key commits to the weights.
/// - Input: an oracle (the owner) registers keccak256 of each borrower's quantized features; the
///   proof's input instances must hash to it.
/// - Replay: a statement (the proof's public instances, canonical as the verifier requires) is
///   accepted once; a re-encoded or freshly made proof of the same statement is a replay too.
contract RiskScoreConsumer {
    IZkinferVerifier public immutable verifier;
    /// @notice instances[0 .. numInputs) are the model input
    uint256 public immutable numInputs;
    /// @notice instances[scoreIndex] is the score (a quantized value: score / 2^scoreScale)
    uint256 public immutable scoreIndex;
    address public immutable owner;

    mapping(address => bytes32) public featureCommitment;
    mapping(address => int256) public score;
    mapping(address => bool) public hasScore;
    mapping(bytes32 => bool) public statementUsed;

    event FeaturesRegistered(address indexed account, bytes32 commitment);
    event ScoreAccepted(address indexed account, int256 score, bytes32 statement);

    error NotOwner();
    error UnknownAccount();
    error FeaturesMismatch();
    error ProofReplayed();
    error InvalidProof();
    error BadInstances();

    constructor(IZkinferVerifier verifier_, uint256 numInputs_, uint256 scoreIndex_) {
        // the score is an output: an index among the inputs would let the caller choose it
        if (scoreIndex_ < numInputs_) revert BadInstances();
        verifier = verifier_;
        numInputs = numInputs_;
        scoreIndex = scoreIndex_;
        owner = msg.sender;
    }

    /// @notice The commitment the proof's input must match: keccak256 of the input instances.
    function commitFeatures(uint256[] calldata inputInstances) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(inputInstances));
    }

    function registerFeatures(address account, bytes32 commitment) external {
        if (msg.sender != owner) revert NotOwner();
        featureCommitment[account] = commitment;
        emit FeaturesRegistered(account, commitment);
    }

    /// @notice Stores the caller's score if `proof` proves it from the caller's registered features.
    function submitScore(bytes calldata proof, uint256[] calldata instances) external returns (int256) {
        bytes32 commitment = featureCommitment[msg.sender];
        if (commitment == bytes32(0)) revert UnknownAccount();
        if (instances.length <= scoreIndex || instances.length < numInputs) revert BadInstances();
        if (commitFeatures(instances[:numInputs]) != commitment) revert FeaturesMismatch();
        bytes32 statement = keccak256(abi.encodePacked(instances));
        if (statementUsed[statement]) revert ProofReplayed();
        if (!verifier.verifyProof(proof, instances)) revert InvalidProof();
        statementUsed[statement] = true;
        int256 s = ZkinferInstances.toSigned(instances[scoreIndex]);
        score[msg.sender] = s;
        hasScore[msg.sender] = true;
        emit ScoreAccepted(msg.sender, s, statement);
        return s;
    }
}
