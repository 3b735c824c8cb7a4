"""The transparency log: Merkle tree, checkpoints, tiles, proofs and verification (pure), and the
sequencer that appends over a storage interface (:mod:`consentgate.ledger.logstore`)."""
