//! The `sagecred` binary: everything lives in the library so that tests can reach it.
//!
//! On Linux with glibc the binary has its own C `main` instead of Rust's runtime start-up.
//! `sagecred env` runs at every shell start with a budget of twice `/bin/true`, and the
//! runtime's start-up (finding the main thread's stack through `pthread_getattr_np`, which
//! opens and parses `/proc/self/maps`, then `sched_getaffinity`, and an alternate signal
//! stack with its `mmap`, `mprotect`, `sigaltstack` and four `sigaction` calls) cost more
//! than the command itself (`docs/benchmarks.md`). What of it matters is done here: stdin,
//! stdout and stderr are made sure to be open (so that a file opened later never becomes
//! fd 1), and SIGPIPE is ignored (so that a closed stdout is an `EPIPE` error, which the
//! CLI turns into exit 0). What is given up is the "thread 'main' has overflowed its stack"
//! message: a stack overflow ends in a plain SIGSEGV. `std::env::args` still works, as
//! glibc hands argv to Rust's `.init_array` hook.
#![cfg_attr(all(target_os = "linux", target_env = "gnu", not(test)), no_main)]

// The entry point must be a C function, and its set-up calls libc directly: this module is
// the crate's only unsafe code, three libc calls at start.
#[cfg(all(target_os = "linux", target_env = "gnu", not(test)))]
#[allow(unsafe_code)]
mod start {
    use std::ffi::{c_char, c_int, c_short, c_ulong};

    #[repr(C)]
    struct PollFd {
        fd: c_int,
        events: c_short,
        revents: c_short,
    }

    const POLLNVAL: c_short = 0x20;
    const O_RDWR: c_int = 2;
    const SIGPIPE: c_int = 13;
    const SIG_IGN: usize = 1;

    unsafe extern "C" {
        fn poll(fds: *mut PollFd, nfds: c_ulong, timeout: c_int) -> c_int;
        fn open(path: *const c_char, flags: c_int, ...) -> c_int;
        fn signal(signum: c_int, handler: usize) -> usize;
    }

    /// The process entry point, called by the C runtime.
    #[unsafe(no_mangle)]
    extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
        // SAFETY: plain libc calls on this process's own file descriptors and signal
        // disposition, before any other code runs; the pointers are to live locals and a
        // NUL-terminated literal.
        unsafe {
            let mut fds = [0, 1, 2].map(|fd| PollFd {
                fd,
                events: 0,
                revents: 0,
            });
            if poll(fds.as_mut_ptr(), 3, 0) >= 0 {
                for fd in &fds {
                    if fd.revents & POLLNVAL != 0 && open(c"/dev/null".as_ptr(), O_RDWR) == -1 {
                        return 70;
                    }
                }
            }
            signal(SIGPIPE, SIG_IGN);
        }
        let code = std::panic::catch_unwind(sagecred_cli::run_to_code).unwrap_or(101);
        // `exit` runs Rust's clean-up, which flushes stdout, as returning from Rust's own
        // `main` would.
        std::process::exit(c_int::from(code))
    }
}

// Elsewhere, and in the (empty) unit-test build of this file, Rust's own start-up.
#[cfg(not(all(target_os = "linux", target_env = "gnu", not(test))))]
fn main() -> std::process::ExitCode {
    sagecred_cli::run()
}
