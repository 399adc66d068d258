//! Integration tests of sagecred-ini, linked into one binary so that the crate builds once.

mod conformance;
mod edits;
mod files;
mod lookup;
mod preserve;
mod props;
mod store;
mod store_conformance;
