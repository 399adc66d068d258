//! Integration tests of the device flow, the token logic and the portal calls against
//! the IAM Identity Center emulator.

use sagecred_test_support::sso_emulator as emulator;
mod flow;
