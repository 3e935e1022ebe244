// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import "./ZkinferVerifier.sol";
import "./ZkinferInstances.sol";

/// @notice A lending pool that raises a borrower's credit limit only on a zero-knowledge proof
/// that the pinned credit-risk model, run on that borrower's features, scored them as low risk —
/// without the features ever appearing on-chain.
/// - Model: the verifier (whose verifying key commits to every weight) is fixed at deploy, and the
///   zkinfer model digest is recorded beside it for audits.
/// - Features: an oracle registers each borrower's Poseidon commitment to their quantized features
///   (`zkinfer commit`); the proof's instance `commitmentIndex` is that commitment, computed in
///   the circuit. With `--input-visibility salted` the commitment is to (owner, salt, features):
///   the salt keeps equal or guessable features from sharing or revealing a commitment, and the
///   owner, the instance `ownerIndex`, must be the caller. With `--input-visibility hashed` there
///   is no owner (`ownerIndex` = `NO_OWNER`) and the commitment is to the features alone.
/// - Score: the public output at `riskIndex`, a quantized probability of default (value / 2^scale);
///   the limit is raised when it is at most `maxRisk`.
/// - Replay: each statement (the proof's public instances) is accepted once. Keyed on the
///   instances, not the proof bytes: a prover can always make a fresh proof of the same statement,
///   and the verifier refuses instances that are not canonical, so they have one encoding.
contract LendingPool {
    uint256 public constant NO_OWNER = type(uint256).max;

    IZkinferVerifier public immutable verifier;
    bytes32 public immutable modelDigest;
    uint256 public immutable ownerIndex;
    uint256 public immutable commitmentIndex;
    uint256 public immutable riskIndex;
    int256 public immutable maxRisk;
    uint256 public immutable baseLimit;
    uint256 public immutable raisedLimit;
    address public immutable oracle;

    mapping(address => uint256) public featureCommitment;
    mapping(address => uint256) public creditLimit;
    mapping(bytes32 => bool) public statementUsed;

    event BorrowerRegistered(address indexed borrower, uint256 featureCommitment);
    event LimitRaised(address indexed borrower, uint256 newLimit, int256 risk, bytes32 statement);

    error NotOracle();
    error UnknownBorrower();
    error CommitmentMismatch();
    error OwnerMismatch();
    error BadLayout();
    error ProofReplayed();
    error InvalidProof();
    error RiskTooHigh(int256 risk);
    error BadInstances();

    constructor(
        IZkinferVerifier verifier_,
        bytes32 modelDigest_,
        uint256 ownerIndex_,
        uint256 commitmentIndex_,
        uint256 riskIndex_,
        int256 maxRisk_,
        uint256 baseLimit_,
        uint256 raisedLimit_
    ) {
        // the risk is an output: a shared index would let the caller's owner or commitment be the risk
        if (riskIndex_ == commitmentIndex_ || riskIndex_ == ownerIndex_ || ownerIndex_ == commitmentIndex_) {
            revert BadLayout();
        }
        verifier = verifier_;
        modelDigest = modelDigest_;
        ownerIndex = ownerIndex_;
        commitmentIndex = commitmentIndex_;
        riskIndex = riskIndex_;
        maxRisk = maxRisk_;
        baseLimit = baseLimit_;
        raisedLimit = raisedLimit_;
        oracle = msg.sender;
    }

    /// @notice The oracle vouches for a borrower's features by registering their commitment; the
    /// borrower starts at the base limit.
    function registerBorrower(address borrower, uint256 commitment) external {
        if (msg.sender != oracle) revert NotOracle();
        featureCommitment[borrower] = commitment;
        creditLimit[borrower] = baseLimit;
        emit BorrowerRegistered(borrower, commitment);
    }

    /// @notice Raises the caller's limit if `proof` shows the pinned model scores the caller's
    /// registered features at a risk of at most `maxRisk`.
    function requestLimitIncrease(bytes calldata proof, uint256[] calldata instances) external returns (uint256) {
        uint256 commitment = featureCommitment[msg.sender];
        if (commitment == 0) revert UnknownBorrower();
        if (instances.length <= riskIndex || instances.length <= commitmentIndex) revert BadInstances();
        if (ownerIndex != NO_OWNER) {
            if (instances.length <= ownerIndex) revert BadInstances();
            if (instances[ownerIndex] != uint256(uint160(msg.sender))) revert OwnerMismatch();
        }
        if (instances[commitmentIndex] != commitment) revert CommitmentMismatch();
        bytes32 statement = keccak256(abi.encodePacked(instances));
        if (statementUsed[statement]) revert ProofReplayed();
        if (!verifier.verifyProof(proof, instances)) revert InvalidProof();
        int256 risk = ZkinferInstances.toSigned(instances[riskIndex]);
        if (risk > maxRisk) revert RiskTooHigh(risk);
        statementUsed[statement] = true;
        creditLimit[msg.sender] = raisedLimit;
        emit LimitRaised(msg.sender, raisedLimit, risk, statement);
        return raisedLimit;
    }
}
