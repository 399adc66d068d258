//! The sagecred command line (being written).
