// Package exchange holds laborx's domain: the types every layer shares, the service
// interfaces the GraphQL layer calls, and every business rule as plain Go over facts
// the store has loaded, so each rule is tested here without a database.
//
// Where each kind of rule lives:
//
//   - Who may do what (every access decision, marked "// authz:" where it is made, so
//     `grep -rn 'authz:' internal/exchange` lists them): principal.go (roles),
//     posting.go (DecidePublish, DecideReadMarket, DecidePosting), center_rules.go
//     (DecideDirectoryChange, SeesCenterKeys), center_keys.go (DecideAddKey,
//     DecideRevokeOwnKey: centers rotate their own keys), center_jwks.go
//     (PublishedCenterKeys), agreement_proof.go (DecideSigningKey), referral.go (DecideReferral, the state
//     machine) and referral_rules.go (SeesReferral, DecideReferWorker, the referral
//     links, MayReadPersonalData, DecideWorkerChange), agreement.go (DecideAgreement),
//     session_rules.go (DecideReadSessions, DecideCancelSession, the featured demands),
//     stats_rules.go (DecideReadStats, StatsScope). The store calls them and marks the
//     call "// authz: DecideX."; visibility that must filter lists in SQL (demands by
//     partnership, workers by referral, agreements by party) is written in the store's
//     SQL next to an "// authz:" comment.
//   - State machines: DecideReferral (referral.go) and its retention checkpoints
//     DecideReferralStep, DecideCheckpoint (checkpoint.go), DecideAgreement (agreement.go), the
//     posting lifecycle DecidePosting (posting.go), center status DecideCenterStatus,
//     session timelines CheckJoin, CheckCancel and ValidateOutcome (session.go).
//   - Validation, text limits and code formats: demand.go and supply.go (drafts and
//     their rules), center_rules.go (center codes, contacts, keys), worker.go (personal
//     data), agreement.go and agreement_rules.go (terms, parties, titles and notes),
//     session.go, input.go (versions, reasons, IDs, idempotency keys, cursors),
//     referral_rules.go (notes, event times), page.go and stats.go (arguments).
//   - Derived status: DemandStatusAt, SupplyStatusAt, SessionStatusAt, and an
//     agreement's AgreementStatusAt and InForceUntil (agreement_proof.go). The store's
//     SQL filters have twins of these, proven equal by postgres' TestStatusRulesAgree
//     and TestAgreementStatusRulesAgree.
//   - Hashes: agreement.go and agreement_hash.go (the canonical JSON of both termsHash
//     versions, RFC 8785, NFC in version 2).
//   - Matching: matching.go (the facts, weights and reasons the store's SQL uses).
//   - Errors: error.go, the one error type and its codes. Field paths are relative to
//     the operation's input; the GraphQL layer reports them under "input".
package exchange
