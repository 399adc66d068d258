//! Integration tests of the device flow, the token logic and the portal calls against
//! the IAM Identity Center emulator.

mod emulator;
mod flow;
