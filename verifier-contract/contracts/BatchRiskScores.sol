// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import "./ZkinferVerifier.sol";
import "./ZkinferInstances.sol";

/// @notice A lending pool's risk engine that accepts many borrowers' credit scores with one
/// aggregated zkinfer proof (`zkinfer aggregate`): one verification stands for every score.
/// - Model: the verifier (a ZkinferVerifier over the aggregate's Halo2Verifier) is fixed at
///   deploy. The aggregation key pins the inner model's verifying key, so proofs of another model
///   do not verify under it; `modelDigest` records which model that is, for audits.
/// - Layout: the aggregate's public instances are the accumulator's `ACCUMULATOR_LIMBS` limbs,
///   then each inner proof's `slotInstances` instances in order. In a slot, instance
///   `commitmentIndex` is the Poseidon commitment to the borrower's quantized features (computed
///   in the circuit) and `riskIndex` the quantized probability of default.
/// - Borrower binding: an oracle registers, per borrower address, the commitment to the features
///   it vouches for. A slot counts for the borrower named beside it only if its commitment is
///   that borrower's registered one: another borrower's proof does not fit. With a salted input
///   (`--input-visibility salted`) the commitment is to (owner, salt, features) and the slot's
///   owner instance, at `ownerIndex`, must be the borrower's address: the proof itself names the
///   borrower, and equal or guessable features neither share nor reveal a commitment.
///   `ownerIndex` = `NO_OWNER` for a model with a hashed input (no owner instance).
/// - Expiry: a registration is good for `stalenessWindow` seconds. A batch that scores stale
///   features is refused, and an accepted score reads as expired once it is older than that.
/// - Replay: each registration is scored at most once, keyed on the oracle's registration
///   number, which no proof can re-encode (a fresh proof, or a different encoding of the same
///   instances, still names the same registration). The verifier also refuses non-canonical
///   instances, so every slot has one encoding.
/// - Risk: every accepted slot records its borrower's risk; one above `maxRisk` puts that
///   borrower at the base limit (an event says why), and the batch's other borrowers are still
///   scored.
contract BatchRiskScores {
    uint256 public constant ACCUMULATOR_LIMBS = 12;
    uint256 public constant NO_OWNER = type(uint256).max;

    IZkinferVerifier public immutable verifier;
    bytes32 public immutable modelDigest;
    uint256 public immutable slotInstances;
    uint256 public immutable ownerIndex;
    uint256 public immutable commitmentIndex;
    uint256 public immutable riskIndex;
    int256 public immutable maxRisk;
    uint256 public immutable stalenessWindow;
    uint256 public immutable baseLimit;
    uint256 public immutable raisedLimit;
    address public immutable oracle;

    struct Registration {
        uint256 commitment;
        uint64 registeredAt;
        uint64 number;
    }

    /// A borrower's last accepted score in one storage slot, so that a batch writes one new slot
    /// per borrower: the risk, when it was accepted, and the registration number it scored (0:
    /// never scored).
    struct Score {
        int128 risk;
        uint64 scoredAt;
        uint64 registration;
    }

    mapping(address => Registration) public registration;
    mapping(address => Score) public score;
    mapping(address => uint256) public creditLimit;
    uint64 public registrations;

    event BorrowerRegistered(address indexed borrower, uint256 featureCommitment, uint64 number);
    event ScoreAccepted(address indexed borrower, int256 risk, uint256 newLimit);
    event ScoreTooRisky(address indexed borrower, int256 risk);

    error NotOracle();
    error BadLayout();
    error BadInstances();
    error UnknownBorrower(address borrower);
    error CommitmentMismatch(address borrower);
    error OwnerMismatch(address borrower);
    error FeaturesExpired(address borrower);
    error ProofReplayed(address borrower);
    error InvalidProof();
    error ScoreExpired(address borrower);
    error RiskOutOfRange(address borrower);

    constructor(
        IZkinferVerifier verifier_,
        bytes32 modelDigest_,
        uint256 slotInstances_,
        uint256 ownerIndex_,
        uint256 commitmentIndex_,
        uint256 riskIndex_,
        int256 maxRisk_,
        uint256 stalenessWindow_,
        uint256 baseLimit_,
        uint256 raisedLimit_
    ) {
        // the risk is an output: the commitment's own index would let the caller choose it
        if (commitmentIndex_ >= slotInstances_ || riskIndex_ >= slotInstances_ || riskIndex_ == commitmentIndex_) {
            revert BadLayout();
        }
        if (ownerIndex_ != NO_OWNER && (ownerIndex_ >= slotInstances_ || ownerIndex_ == riskIndex_ || ownerIndex_ == commitmentIndex_)) {
            revert BadLayout();
        }
        verifier = verifier_;
        modelDigest = modelDigest_;
        slotInstances = slotInstances_;
        ownerIndex = ownerIndex_;
        commitmentIndex = commitmentIndex_;
        riskIndex = riskIndex_;
        maxRisk = maxRisk_;
        stalenessWindow = stalenessWindow_;
        baseLimit = baseLimit_;
        raisedLimit = raisedLimit_;
        oracle = msg.sender;
    }

    /// @notice The oracle vouches for a borrower's features (their commitment, `zkinfer commit`)
    /// as of now; a new registration replaces the old one and may be scored once more.
    function registerBorrower(address borrower, uint256 commitment) external {
        if (msg.sender != oracle) revert NotOracle();
        uint64 number = ++registrations;
        registration[borrower] = Registration(commitment, uint64(block.timestamp), number);
        if (creditLimit[borrower] == 0) creditLimit[borrower] = baseLimit;
        emit BorrowerRegistered(borrower, commitment, number);
    }

    /// @notice Scores `borrowers[i]` with slot `i` of one aggregated proof. Reverts, scoring
    /// nobody, if any slot is not its borrower's current registration, is stale or replayed, or
    /// the proof does not verify. Returns how many borrowers' limits were raised.
    function submitScores(bytes calldata proof, uint256[] calldata instances, address[] calldata borrowers)
        external
        returns (uint256 raised)
    {
        if (borrowers.length == 0 || instances.length != ACCUMULATOR_LIMBS + borrowers.length * slotInstances) {
            revert BadInstances();
        }
        for (uint256 i = 0; i < borrowers.length; i++) {
            if (ownerIndex != NO_OWNER && instances[slotStart(i) + ownerIndex] != uint256(uint160(borrowers[i]))) {
                revert OwnerMismatch(borrowers[i]);
            }
            checkSlot(borrowers[i], instances[slotStart(i) + commitmentIndex]);
        }
        if (!verifier.verifyProof(proof, instances)) revert InvalidProof();
        for (uint256 i = 0; i < borrowers.length; i++) {
            if (accept(borrowers[i], ZkinferInstances.toSigned(instances[slotStart(i) + riskIndex]))) raised++;
        }
    }

    /// @notice A borrower's accepted risk, refused once older than the staleness window.
    function currentRisk(address borrower) external view returns (int256) {
        Score memory s = score[borrower];
        if (s.scoredAt == 0 || block.timestamp > s.scoredAt + stalenessWindow) revert ScoreExpired(borrower);
        return int256(s.risk);
    }

    function slotStart(uint256 i) internal view returns (uint256) {
        return ACCUMULATOR_LIMBS + i * slotInstances;
    }

    /// The slot's commitment is the borrower's registration, fresh and not scored before. A
    /// borrower named twice in a batch fails here the second time (`accept` has not run yet, so
    /// the guard is the number marked below).
    function checkSlot(address borrower, uint256 commitment) internal {
        Registration memory r = registration[borrower];
        if (r.number == 0) revert UnknownBorrower(borrower);
        if (commitment != r.commitment) revert CommitmentMismatch(borrower);
        if (block.timestamp > r.registeredAt + stalenessWindow) revert FeaturesExpired(borrower);
        if (score[borrower].registration == r.number) revert ProofReplayed(borrower);
        score[borrower].registration = r.number;
    }

    /// Records the score; the limit follows it (a high risk puts the borrower back at the base).
    /// A risk outside 128 bits is no model's quantized output: the batch is refused.
    function accept(address borrower, int256 risk) internal returns (bool) {
        if (risk > type(int128).max || risk < type(int128).min) revert RiskOutOfRange(borrower);
        Score storage s = score[borrower];
        (s.risk, s.scoredAt) = (int128(risk), uint64(block.timestamp));
        if (risk > maxRisk) {
            creditLimit[borrower] = baseLimit;
            emit ScoreTooRisky(borrower, risk);
            return false;
        }
        creditLimit[borrower] = raisedLimit;
        emit ScoreAccepted(borrower, risk, raisedLimit);
        return true;
    }
}
