//! AWS shared config and credentials files (being written).
