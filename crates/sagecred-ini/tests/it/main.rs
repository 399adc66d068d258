//! Integration tests of sagecred-ini, linked into one binary so that the crate builds once.

mod canaries;
mod conformance;
mod edits;
mod files;
mod lookup;
mod preserve;
mod props;
mod store;
mod targets;
