//! A report does not depend on how many threads made it: files, kustomize units and the
//! objects of one unit are checked in parallel, and the findings they give (which of two alike
//! findings is kept, the related locations, the order) are the same with one thread as with
//! several. The real repositories of `../shared/corpora` (or `$KUBEVET_CORPORA`) too when
//! present; otherwise a visible SKIPPED line.

use std::path::Path;

mod common;

/// `kubevet check DIR --format json` with `threads` rayon threads: exit code and output.
fn check_with_threads(dir: &Path, threads: usize) -> (Option<i32>, String) {
    let output = common::command()
        .env("RAYON_NUM_THREADS", threads.to_string())
        .args(["check", "--format", "json"])
        .arg(dir)
        .output()
        .expect("run kubevet");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn assert_same_with_any_threads(dir: &Path) {
    let one = check_with_threads(dir, 1);
    assert!(one.1.contains("\"diagnostics\""), "{}", one.1);
    for threads in [2, 4] {
        let many = check_with_threads(dir, threads);
        assert_eq!(one.0, many.0, "{}: exit codes", dir.display());
        // The first line that differs, and its neighbours.
        let (a, b): (Vec<&str>, Vec<&str>) = (one.1.lines().collect(), many.1.lines().collect());
        if let Some(at) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
            let around = |lines: &[&str]| {
                let end = (at + 4).min(lines.len());
                lines[at.saturating_sub(3).min(end)..end].join("\n")
            };
            panic!(
                "{}: one thread and {threads} differ at line {}:\n{}\n--- with {threads}:\n{}",
                dir.display(),
                at + 1,
                around(&a),
                around(&b)
            );
        }
    }
}

#[test]
fn fixtures_report_the_same_with_any_number_of_threads() {
    // Kustomize units of many objects (checked a few to a task), overlays, Lists, patches.
    for dir in ["fixtures/rules", "fixtures/render", "fixtures/valid"] {
        assert_same_with_any_threads(&common::root().join(dir));
    }
}

#[test]
fn real_repositories_report_the_same_with_any_number_of_threads() {
    let Ok(repos) =
        common::real_repositories("real_repositories_report_the_same_with_any_number_of_threads")
    else {
        return;
    };
    for repo in repos {
        assert_same_with_any_threads(&repo);
    }
}
