//! The shell function behind `sagecred use PROFILE`.
//!
//! A program cannot change its parent shell's environment, so switching profiles in the
//! current shell needs a shell function. The function is named `sagecred`, like the binary.
//! For `sagecred use PROFILE [ARGS...]` it runs the binary's
//! `sagecred use --shell SHELL PROFILE [ARGS...]` with `SAGECRED_SHELL_FUNCTION=1` in its
//! environment (which tells the binary that its output will be evaluated, so it need not hint
//! at `shell-init`), and evaluates what that prints in the current shell, but only when the
//! command succeeded: a failing `use` leaves the shell as it was and the function returns its
//! non-zero status. Every other invocation goes straight to the binary with its arguments
//! intact, and so do `use` without a profile and any `use` with `-h`, `--help`, `-V` or
//! `--version`, whose output is text for a person, not code to evaluate.
//!
//! The contract with the binary: the output of `use` first unsets `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and `AWS_CREDENTIAL_EXPIRATION`, so that no
//! credentials of the previous profile survive the switch, and then sets the new profile's
//! variables, ignoring the values the previous profile left in the environment.

use crate::Shell;

/// For sh, bash, zsh, dash and ksh.
///
/// It uses only POSIX features, so one script serves every shell of the family: no `local`
/// (ksh93 lacks it in POSIX-style functions), `command` to reach the binary rather than the
/// function itself, and the positional parameters to keep the status across the `unset` of
/// the helper variables. `shift` drops `use`, so `"$@"` is the profile and any further
/// arguments. The command substitution runs in a subshell, so the `SAGECRED_SHELL_FUNCTION`
/// assignment in front of `command` cannot leak into the user's shell.
const POSIX: &str = r#"# sagecred shell integration: `sagecred use PROFILE` switches this shell.
sagecred() {
    if [ "$#" -lt 2 ] || [ "$1" != use ]; then
        command sagecred "$@"
        return
    fi
    for __sagecred_arg in "$@"; do
        case $__sagecred_arg in
            -h | --help | -V | --version)
                unset __sagecred_arg
                command sagecred "$@"
                return
                ;;
        esac
    done
    unset __sagecred_arg
    shift
    __sagecred_code=$(SAGECRED_SHELL_FUNCTION=1 command sagecred use --shell posix "$@") || {
        set -- "$?"
        unset __sagecred_code
        return "$1"
    }
    eval "$__sagecred_code"
    set -- "$?"
    unset __sagecred_code
    return "$1"
}
"#;

/// For fish.
///
/// `set -lx` exports the marker variable to the binary for the length of the function only.
/// `set` keeps the status of its command substitution, so `or return` stops on a failing
/// `use` before anything is sourced. The substitution splits the output into lines, which
/// `printf` joins again for `source`. The function then returns 0 rather than the status of
/// `source`, which is meaningless here: erasing an absent variable sets status 4, and fish's
/// `set` in assignment mode passes on the status before it, so a successful switch would end
/// with 4. `$argv[2..-1]` rather than `$argv[2..]` keeps it working on fish before 3.2.
const FISH: &str = r#"# sagecred shell integration: `sagecred use PROFILE` switches this shell.
function sagecred --description 'sagecred; `sagecred use PROFILE` switches this shell'
    if test (count $argv) -lt 2; or test "$argv[1]" != use
        or contains -- -h $argv; or contains -- --help $argv
        or contains -- -V $argv; or contains -- --version $argv
        command sagecred $argv
        return
    end
    set -lx SAGECRED_SHELL_FUNCTION 1
    set -l __sagecred_code (command sagecred use --shell fish $argv[2..-1])
    or return
    printf '%s\n' $__sagecred_code | source
    return 0
end
"#;

/// For PowerShell.
///
/// The binary is found by `Get-Command -CommandType Application`, because `sagecred` inside
/// the function would call the function again. The marker variable is removed in `finally`,
/// because unlike a POSIX shell PowerShell has no per-command environment. The output is
/// captured and `$LASTEXITCODE` checked before `Invoke-Expression`, so that a failing `use`
/// changes nothing; a plain pipeline into `Invoke-Expression` would run whatever was printed
/// before the failure.
const POWERSHELL: &str = r#"# sagecred shell integration: `sagecred use PROFILE` switches this session.
function sagecred {
    $exe = Get-Command -CommandType Application -Name sagecred -ErrorAction Stop |
        Select-Object -First 1 -ExpandProperty Source
    $asHelp = @($args | Where-Object { $_ -in '-h', '--help', '-V', '--version' }).Count -gt 0
    if ($args.Count -lt 2 -or $args[0] -cne 'use' -or $asHelp) {
        & $exe @args
        return
    }
    $rest = @($args | Select-Object -Skip 1)
    $env:SAGECRED_SHELL_FUNCTION = '1'
    try {
        $code = & $exe use --shell powershell @rest | Out-String
    } finally {
        Remove-Item Env:SAGECRED_SHELL_FUNCTION -ErrorAction SilentlyContinue
    }
    if ($LASTEXITCODE -ne 0) { return }
    if ($code) { $code | Invoke-Expression }
}
"#;

/// The shell function that makes `sagecred use PROFILE` switch the current shell.
///
/// Users add `eval "$(sagecred shell-init bash)"` (or zsh, sh), `sagecred shell-init fish |
/// source`, or `sagecred shell-init powershell | Out-String | Invoke-Expression` to their
/// profile. Returns `None` for [`Shell::Cmd`], which has no functions; there, users run
/// `for /f "delims=" %i in ('sagecred env --shell cmd') do %i` instead.
///
/// The POSIX function passes `--shell posix`, not the concrete shell's name: the code that
/// the binary prints is the same for every POSIX shell, and [`Shell`] does not tell them
/// apart.
///
/// ```
/// use sagecred_shell::{Shell, init_script};
///
/// assert!(init_script(Shell::Posix).unwrap().contains("sagecred()"));
/// assert_eq!(init_script(Shell::Cmd), None);
/// ```
pub fn init_script(shell: Shell) -> Option<&'static str> {
    match shell {
        Shell::Posix => Some(POSIX),
        Shell::Fish => Some(FISH),
        Shell::PowerShell => Some(POWERSHELL),
        Shell::Cmd => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_calls_use_with_its_own_shell_name() {
        for shell in [Shell::Posix, Shell::Fish, Shell::PowerShell] {
            let script = init_script(shell).unwrap();
            let call = format!(" use --shell {}", shell.as_str());
            assert!(script.contains(&call), "{shell}: {script}");
            assert!(script.ends_with('\n'), "{shell}");
        }
    }

    #[test]
    fn powershell_calls_the_application_not_the_function() {
        let script = init_script(Shell::PowerShell).unwrap();
        assert!(script.contains("Get-Command -CommandType Application -Name sagecred"));
        assert!(script.contains("& $exe use --shell powershell @rest | Out-String"));
        assert!(script.contains("$code | Invoke-Expression"));
        assert!(script.contains("& $exe @args"));
    }
}
