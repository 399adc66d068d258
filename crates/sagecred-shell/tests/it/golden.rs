//! Golden tests for PowerShell and cmd, which cannot run here, written from their documented
//! quoting rules; and a few for POSIX shells and fish, whose rules the real-shell tests check.
//!
//! Each case says which rule makes it right.

use sagecred_shell::{EnvChange, QuoteError, Shell, init_script, render};

/// Renders one `Set` and returns the line, or the error's message.
fn set_line(shell: Shell, name: &str, value: &str) -> Result<String, String> {
    render(shell, &[EnvChange::Set(name, value)]).map_err(|e| e.to_string())
}

/// Asserts that setting `value` renders exactly `line` (plus its newline).
#[track_caller]
fn assert_set(shell: Shell, value: &str, line: &str) {
    assert_eq!(
        set_line(shell, "AWS_PROFILE", value),
        Ok(format!("{line}\n")),
        "{shell}: {value:?}"
    );
}

/// Asserts that setting `value` is refused with `message`.
#[track_caller]
fn assert_refused(shell: Shell, name: &str, value: &str, message: &str) {
    assert_eq!(
        set_line(shell, name, value),
        Err(message.to_owned()),
        "{shell}: {value:?}"
    );
}

#[test]
fn powershell_set_lines() {
    let ps = Shell::PowerShell;
    // `$env:NAME = <expression>` assigns through the Env: drive. The value is always a
    // verbatim string: in expression mode a bare word would be parsed as a command.
    assert_set(ps, "dev", "$env:AWS_PROFILE = 'dev'");
    // A verbatim string may be empty.
    assert_set(ps, "", "$env:AWS_PROFILE = ''");
    // In a verbatim-string-literal a single-quote-character is written twice, and the pair
    // stands for one (about_Quoting_Rules: "to include a single quotation mark in a
    // single-quoted string, use a second consecutive single quote").
    assert_set(ps, "it's", "$env:AWS_PROFILE = 'it''s'");
    assert_set(ps, "''", "$env:AWS_PROFILE = ''''''");
    // The language specification's single-quote-character is any of U+0027, U+2018, U+2019,
    // U+201A and U+201B: each typographic one would also end the string. Like every
    // non-ASCII character they are written as UTF-16 code units, `[char]0xXXXX`, outside
    // any string, joined by `+` to the verbatim runs (see the code-page tests below).
    assert_set(
        ps,
        "it\u{2018}s",
        "$env:AWS_PROFILE = ('it' + [char]0x2018 + 's')",
    );
    assert_set(
        ps,
        "it\u{2019}s",
        "$env:AWS_PROFILE = ('it' + [char]0x2019 + 's')",
    );
    assert_set(
        ps,
        "it\u{201A}s",
        "$env:AWS_PROFILE = ('it' + [char]0x201A + 's')",
    );
    assert_set(
        ps,
        "it\u{201B}s",
        "$env:AWS_PROFILE = ('it' + [char]0x201B + 's')",
    );
    // The typographic double quotes U+201C, U+201D and U+201E likewise. A value that starts
    // with a character code gets an empty string in front, so that `+` concatenates strings
    // rather than adding character codes.
    assert_set(
        ps,
        "\u{201C}a\u{201D}\u{201E}",
        "$env:AWS_PROFILE = ('' + [char]0x201C + 'a' + [char]0x201D + [char]0x201E)",
    );
    // A verbatim string expands nothing: `$`, `$(...)`, `@(...)`, the backtick escape
    // character and `"` are all literal inside it.
    assert_set(
        ps,
        "$env:HOME $(calc) @(1) `n \"x\"",
        "$env:AWS_PROFILE = '$env:HOME $(calc) @(1) `n \"x\"'",
    );
    // cmd's and the POSIX shells' special characters mean nothing inside it either.
    assert_set(
        ps,
        "%PATH% !x! ^&|<>() ; \\ * ? ~ #",
        "$env:AWS_PROFILE = '%PATH% !x! ^&|<>() ; \\ * ? ~ #'",
    );
    // Other non-ASCII text too, so that the line is ASCII whatever the console code page;
    // a character outside the basic plane is a surrogate pair.
    assert_set(
        ps,
        "é 日本 🦀",
        "$env:AWS_PROFILE = ('' + [char]0x00E9 + ' ' + [char]0x65E5 + [char]0x672C + ' ' \
         + [char]0xD83E + [char]0xDD80)",
    );
}

#[test]
fn powershell_unset_line() {
    // Removing the item from the Env: drive deletes the variable; SilentlyContinue makes
    // removing an absent variable a no-op rather than an error.
    assert_eq!(
        render(Shell::PowerShell, &[EnvChange::Unset("AWS_SESSION_TOKEN")]).as_deref(),
        Ok("Remove-Item Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue\n")
    );
}

#[test]
fn powershell_refusals() {
    // A verbatim string could hold a newline, but the output keeps one variable per line.
    assert_refused(
        Shell::PowerShell,
        "AWS_SECRET_ACCESS_KEY",
        "abc\ndef",
        "the value of AWS_SECRET_ACCESS_KEY contains a newline, \
         which powershell cannot carry on one line",
    );
    // A carriage return would hide part of the line on a terminal.
    assert_refused(
        Shell::PowerShell,
        "AWS_SESSION_TOKEN",
        "abc\rdef",
        "the value of AWS_SESSION_TOKEN contains a carriage return, \
         which powershell cannot carry safely",
    );
    // Neither may a NUL, which no environment variable can hold.
    assert_refused(
        Shell::PowerShell,
        "AWS_PROFILE",
        "a\0b",
        "the value of AWS_PROFILE contains a nul character, which powershell cannot carry safely",
    );
}

#[test]
fn cmd_set_lines() {
    let cmd = Shell::Cmd;
    // `set NAME=value` assigns everything after the first `=` up to the end of the line,
    // spaces included, and no quoting is needed or possible for these characters.
    assert_set(cmd, "dev", "set AWS_PROFILE=dev");
    assert_set(
        cmd,
        "arn:aws:iam::123456789012:role/SageMaker",
        "set AWS_PROFILE=arn:aws:iam::123456789012:role/SageMaker",
    );
    // Spaces, `=`, `,`, `;`, `'`, `` ` ``, `~`, `*`, `?`, `#`, `$`, `+`, `/`, `\`, `[]`,
    // `{}` and `@` are ordinary characters in the value of `set`.
    assert_set(
        cmd,
        "a b=c,d;e'f`g~h*i?j#k$l+m/n\\o[p]{q}@r",
        "set AWS_PROFILE=a b=c,d;e'f`g~h*i?j#k$l+m/n\\o[p]{q}@r",
    );
    // An empty value gives `set NAME=`, which in cmd removes the variable: cmd cannot hold an
    // empty variable, and this is the closest it has.
    assert_set(cmd, "", "set AWS_PROFILE=");
}

#[test]
fn cmd_unset_line() {
    // `set NAME=` with nothing after `=` deletes NAME from the environment.
    assert_eq!(
        render(Shell::Cmd, &[EnvChange::Unset("AWS_SESSION_TOKEN")]).as_deref(),
        Ok("set AWS_SESSION_TOKEN=\n")
    );
}

#[test]
fn cmd_refusals() {
    let refused = |value: &str, found: &str, why: &str| {
        assert_refused(
            Shell::Cmd,
            "AWS_SECRET_ACCESS_KEY",
            value,
            &format!(
                "the value of AWS_SECRET_ACCESS_KEY contains {found}, which cmd cannot carry {why}"
            ),
        );
    };
    // `%NAME%` is expanded in the first parsing phase, before quotes or `^` are looked at,
    // and at the prompt `%%` is not an escape, so no spelling of `%` is safe.
    refused(
        "100%",
        "`%`",
        "in a value safely: it expands %NAME% everywhere on the line",
    );
    // With delayed expansion on (`cmd /v:on`), `!NAME!` is expanded too, and `^!` only works
    // when it is on, so `!` cannot be written for both settings.
    refused(
        "hi!",
        "`!`",
        "in a value safely: it expands !NAME! when delayed expansion is on",
    );
    // A `"` toggles quoting for the rest of the line, changing how `^`, `&` and `|` parse.
    refused(
        "a\"b",
        "`\"`",
        "in a value safely: a quote changes how it parses the rest of the line",
    );
    // `&`, `|`, `<` and `>` end or redirect the command, `(` and `)` group commands (a `)`
    // closes an enclosing block), and `^` is the escape character, consumed once per parse.
    for c in ['^', '&', '|', '<', '>', '(', ')'] {
        refused(
            &format!("a{c}b"),
            &format!("`{c}`"),
            "in a value safely: it is one of cmd's operators or its escape character",
        );
    }
    // `for /f` decodes command output in the console's OEM code page, which may turn a
    // non-ASCII character into another one.
    refused(
        "café",
        "a non-ascii character (U+00E9)",
        "in a value safely: `for /f` reads command output in the console code page",
    );
    // In `for /f ... do %i` each output line is one command, so a newline would start a
    // second command.
    refused("a\nset X=1", "a newline", "on one line");
    refused("a\tb", "a tab", "safely");
    refused("a\u{1b}b", "a control character (U+001B)", "safely");
}

#[test]
fn posix_and_fish_lines() {
    // POSIX: single quotes make everything literal; `'` is written as `'\''`.
    assert_set(Shell::Posix, "dev", "export AWS_PROFILE=dev");
    assert_set(Shell::Posix, "", "export AWS_PROFILE=''");
    assert_set(Shell::Posix, "it's $x", "export AWS_PROFILE='it'\\''s $x'");
    // fish: inside single quotes only `\\` and `\'` are escapes.
    assert_set(Shell::Fish, "dev", "set -gx AWS_PROFILE dev");
    assert_set(Shell::Fish, "", "set -gx AWS_PROFILE ''");
    assert_set(
        Shell::Fish,
        "it's \\ $x",
        "set -gx AWS_PROFILE 'it\\'s \\\\ $x'",
    );
    assert_eq!(
        render(Shell::Fish, &[EnvChange::Unset("A"), EnvChange::Unset("B")]).as_deref(),
        Ok("set -e -g A\nset -e -g B\n")
    );
}

#[test]
fn bad_names_are_refused_for_every_shell() {
    for shell in Shell::ALL {
        for name in ["", "1ABC", "AWS-PROFILE", "A B", "A=B", "$(x)", "A\nB", "É"] {
            let error = render(shell, &[EnvChange::Set(name, "v")]).unwrap_err();
            assert_eq!(
                error,
                QuoteError::BadName {
                    name: name.to_owned()
                },
                "{shell}"
            );
            assert!(
                error
                    .to_string()
                    .starts_with("invalid environment variable name "),
                "{error}"
            );
        }
    }
}

#[test]
fn a_refused_change_leaves_no_partial_output() {
    // The CLI prints nothing when render fails, so an earlier good line must not escape.
    let changes = [
        EnvChange::Set("AWS_PROFILE", "dev"),
        EnvChange::Set("AWS_SESSION_TOKEN", "bad\n"),
    ];
    for shell in Shell::ALL {
        assert!(render(shell, &changes).is_err(), "{shell}");
    }
}

#[test]
fn powershell_init_script_golden() {
    // PowerShell cannot run here, so its function is pinned as written, and each rule it
    // relies on is named here:
    // - a function without a param block receives every argument, `-h` and `--help`
    //   included, as a string in `$args`, and `& $exe @args` splats them to a native command
    //   one argument each, so they pass through intact;
    // - `Get-Command -CommandType Application` finds only executables, never this function,
    //   so the function cannot call itself;
    // - `-cne 'use'` compares case-sensitively, as the binary's subcommand names are;
    // - a native command's output is captured as lines, `Out-String` joins them into one
    //   string, and `$LASTEXITCODE` holds its exit code, checked before anything is run;
    // - `$env:NAME = '1'` sets a process variable the child inherits, and `finally` removes
    //   it even when the call throws.
    let expected = r#"# sagecred shell integration: `sagecred use PROFILE` switches this session.
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
    assert_eq!(init_script(Shell::PowerShell), Some(expected));
    // cmd has no functions; users run `for /f` over `sagecred env --shell cmd` instead.
    assert_eq!(init_script(Shell::Cmd), None);
}
