//! The committed man pages (`docs/man/`) match what the CLI definition renders.

use std::path::Path;

#[test]
fn man_pages_are_in_step_with_the_cli() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/man");
    let mut pages = vec![(
        "sagecred.1".to_owned(),
        sagecred_cli::man_page(None).unwrap(),
    )];
    for name in sagecred_cli::man_page_commands() {
        pages.push((
            format!("sagecred-{name}.1"),
            sagecred_cli::man_page(Some(&name)).unwrap(),
        ));
    }
    for (file, rendered) in &pages {
        let committed = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(
            committed == *rendered,
            "docs/man/{file} is out of date with the CLI: run `cargo xtask man`"
        );
    }
    // No page for a command that no longer exists.
    let expected: Vec<&str> = pages.iter().map(|(f, _)| f.as_str()).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            expected.contains(&name.as_str()),
            "docs/man/{name} has no command: run `cargo xtask man`"
        );
    }
}
