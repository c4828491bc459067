//! Hostile and broken input: every case ends with exit 0, 1 or 2, a clear message, no panic,
//! within seconds and under 1 GiB of memory (the child runs under `ulimit -v`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs kubevet with a 1 GiB address-space limit and a time limit.
fn run_limited(args: &[&str], limit: Duration) -> Run {
    let mut script = String::from("ulimit -v 1048576 && exec \"$0\"");
    for i in 1..=args.len() {
        script.push_str(&format!(" \"${i}\""));
    }
    let started = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_kubevet"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let err = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Run {
                code: status.code(),
                stdout: out.join().unwrap(),
                stderr: err.join().unwrap(),
                elapsed: started.elapsed(),
            };
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("kubevet {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubevet-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Asserts the run ended as documented, and returns its concise output.
fn assert_sane(case: &str, run: &Run, expected_rule: &str) {
    assert!(
        matches!(run.code, Some(0..=2)),
        "{case}: exit {:?}\n{}",
        run.code,
        run.stderr
    );
    assert!(
        !run.stderr.contains("panicked"),
        "{case}: panic\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("internal error"),
        "{case}: {}",
        run.stderr
    );
    assert!(
        run.stdout.contains(&format!("[{expected_rule}]")),
        "{case}: expected a {expected_rule} finding\n{}",
        run.stdout
    );
    // Generous: tests run the unoptimised build, several at a time on two cores.
    assert!(
        run.elapsed < Duration::from_secs(20),
        "{case}: took {:?}",
        run.elapsed
    );
}

fn check(path: &Path) -> Run {
    run_limited(
        &["check", "--format", "concise", path.to_str().unwrap()],
        Duration::from_secs(60),
    )
}

/// A small deterministic generator, so failures reproduce.
fn pseudo_random_bytes(n: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes_named_yaml() {
    let dir = scratch("random");
    let file = dir.join("junk.yaml");
    std::fs::write(&file, pseudo_random_bytes(200 * 1024)).unwrap();
    assert_sane("random bytes", &check(&file), "invalid-utf8");
}

#[test]
fn random_utf8_text_named_yaml() {
    let dir = scratch("random-text");
    let file = dir.join("junk.yaml");
    let text: String = pseudo_random_bytes(200 * 1024)
        .into_iter()
        .map(|b| char::from(b' ' + b % 95))
        .collect();
    std::fs::write(&file, text).unwrap();
    let run = check(&file);
    assert!(
        matches!(run.code, Some(0..=2)) && !run.stderr.contains("panicked"),
        "{}",
        run.stderr
    );
}

#[test]
fn alias_bomb() {
    let dir = scratch("bomb");
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..=9 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let file = dir.join("bomb.yaml");
    std::fs::write(&file, text).unwrap();
    let run = check(&file);
    assert_sane("alias bomb", &run, "input-limit-exceeded");
    assert!(
        run.elapsed < Duration::from_secs(2),
        "alias bomb took {:?}",
        run.elapsed
    );
}

#[test]
fn hundred_thousand_open_brackets() {
    let dir = scratch("nested");
    let file = dir.join("nested.yaml");
    std::fs::write(&file, "[".repeat(100_000)).unwrap();
    assert_sane("nested brackets", &check(&file), "input-limit-exceeded");
}

#[test]
fn sixty_thousand_documents() {
    let dir = scratch("many");
    let file = dir.join("many.yaml");
    let mut text = String::new();
    for i in 0..60_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v\n"
        ));
    }
    // One finding at the very end proves that nothing was lost on the way.
    text.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Last_One\n");
    std::fs::write(&file, text).unwrap();
    let run = check(&file);
    assert_sane("60,000 documents", &run, "invalid-name");
    assert!(run.stdout.contains("60001 documents"), "{}", run.stdout);
    assert!(
        run.stdout.contains(":420005:9: error[invalid-name]"),
        "{}",
        run.stdout
    );
}

#[test]
fn latin1_file() {
    let dir = scratch("latin1");
    let file = dir.join("latin1.yaml");
    std::fs::write(
        &file,
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n",
    )
    .unwrap();
    let run = check(&file);
    assert_sane("latin-1", &run, "invalid-utf8");
    assert!(
        run.stdout.contains("latin1.yaml:4:12: error[invalid-utf8]"),
        "{}",
        run.stdout
    );
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_not_followed_forever() {
    let dir = scratch("loop");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("a/up")).unwrap();
    std::fs::write(
        dir.join("a/ok.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("self.yaml", dir.join("self.yaml")).unwrap();
    let run = check(&dir);
    assert_sane("symlink loop", &run, "unreadable-file");
    assert!(run.stdout.contains("symbolic link loop"), "{}", run.stdout);
}

#[cfg(target_os = "linux")]
#[test]
fn unreadable_file() {
    // Root reads any file whatever its mode; /proc/self/mem fails to read for everyone.
    let run = check(Path::new("/proc/self/mem"));
    assert_sane("unreadable file", &run, "unreadable-file");
    assert_eq!(run.code, Some(1));
    let dir = scratch("unreadable");
    let file = dir.join("secret.yaml");
    std::fs::write(&file, "apiVersion: v1\n").unwrap();
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o000);
    std::fs::set_permissions(&file, perms).unwrap();
    if std::fs::read(&file).is_err() {
        assert_sane("mode 000 file", &check(&file), "unreadable-file");
    }
}

#[test]
fn a_directory_named_like_a_manifest_is_walked() {
    let dir = scratch("dir-named-yaml");
    std::fs::create_dir_all(dir.join("x.yaml")).unwrap();
    std::fs::write(
        dir.join("x.yaml/inner.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Inner_Bad\n",
    )
    .unwrap();
    assert_sane("directory named x.yaml", &check(&dir), "invalid-name");
}

#[test]
fn control_characters_cannot_rewrite_the_terminal() {
    let dir = scratch("ansi");
    let file = dir.join("ansi.yaml");
    std::fs::write(
        &file,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"evil\\e[2J\\e]0;pwned\\a\"\n",
    )
    .unwrap();
    let run = run_limited(
        &["check", "--color", "never", file.to_str().unwrap()],
        Duration::from_secs(10),
    );
    assert_eq!(run.code, Some(1));
    assert!(
        !run.stdout.contains('\u{1b}'),
        "raw escape in output:\n{}",
        run.stdout
    );
    assert!(!run.stdout.contains('\u{7}'));
    assert!(run.stdout.contains("\\u{1b}[2J"), "{}", run.stdout);
}

#[test]
fn broken_pipe_exits_quietly() {
    let dir = scratch("pipe");
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_{i}\n"
        ));
    }
    std::fs::write(dir.join("many.yaml"), text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(["check", dir.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read_exact(&mut out, &mut first).unwrap();
    drop(out); // like `| head -1`
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{:?} {stderr}",
        o.status
    );
    assert!(stderr.is_empty(), "must exit quietly, said: {stderr}");
}

#[cfg(unix)]
#[test]
fn a_path_that_is_not_utf8_is_checked_and_named() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("non-utf8-name");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.yaml");
    std::fs::write(
        dir.join(name),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n",
    )
    .unwrap();
    let run = check(&dir);
    assert_sane("non-UTF-8 file name", &run, "invalid-name");
    assert!(
        run.stdout.contains("caf\u{fffd}.yaml:4:9"),
        "{}",
        run.stdout
    );
    let json = run_limited(
        &["check", "--format", "json", dir.to_str().unwrap()],
        Duration::from_secs(30),
    );
    let parsed: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("valid JSON with a lossy name");
    assert!(
        parsed["diagnostics"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with("caf\u{fffd}.yaml")
    );
}

#[test]
fn closed_or_empty_stdin_is_an_empty_stream() {
    let o = Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(["check", "-", "--format", "concise"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("checked 1 file (0 documents)"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(["check", "-", "--format", "concise"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&[0xff, 0xfe, 0x00, 0x41])
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("[invalid-utf8]"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_promptly() {
    let dir = scratch("sigint");
    let mut text = String::new();
    for i in 0..200_000 {
        text.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n"
        ));
    }
    std::fs::write(dir.join("big.yaml"), text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubevet"))
        .args(["check", dir.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let sent = Instant::now();
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(2),
            "still running 2 s after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
