//! Hostile and broken input: every case ends with exit 0, 1 or 2, a clear message, no panic,
//! within seconds and under 1 GiB of memory (the child runs under `ulimit -v`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::scratch_outside as scratch;

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
    let mut child = common::command()
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
    let o = common::command()
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
    let mut child = common::command()
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
    let mut child = common::command()
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

/// Nesting up to the largest depth a user may allow (250) is checked without trouble (the
/// tree's recursive walks included), and one level more is the limit's finding.
#[test]
fn the_largest_depth_limit_is_safe() {
    let dir = scratch("depth-250");
    // The root mapping is level 1, `x` holds level 2, each `a` one more; the innermost
    // mapping (level `levels`) starts at its `leaf` key, indented by 2 × (levels - 1).
    let nested = |levels: usize| {
        let mut text =
            String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nx:\n");
        for level in 2..levels {
            text.push_str(&"  ".repeat(level - 1));
            text.push_str("a:\n");
        }
        text.push_str(&"  ".repeat(levels - 1));
        text.push_str("leaf: 1\n");
        text
    };
    std::fs::write(dir.join("at-limit.yaml"), nested(250)).unwrap();
    std::fs::write(dir.join("over-limit.yaml"), nested(251)).unwrap();
    let run = run_limited(
        &[
            "check",
            "--format",
            "concise",
            "--no-config",
            "--max-depth",
            "250",
            dir.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    assert_sane("250 levels", &run, "input-limit-exceeded");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = dir.join("at-limit.yaml").display().to_string();
    let over = dir.join("over-limit.yaml").display().to_string();
    assert_eq!(
        lines,
        [
            format!("{at}:5:1: error[unknown-field]: unknown field `x` in ConfigMap").as_str(),
            &format!("{over}:255:501: error[input-limit-exceeded]: nesting deeper than 250 levels"),
            "checked 2 files (1 document): 2 errors, 0 warnings, 0 infos",
        ],
        "{}",
        run.stderr
    );
}

/// Text from a manifest that must not reach any output as it is: C0 controls (not NUL), an
/// ANSI screen clear and an OSC 8 hyperlink, DEL, C1 controls (NEL, CSI), bidirectional
/// overrides and isolates, a line separator, line breaks, and (in the key) U+FFFF, which XML
/// cannot hold.
const HOSTILE_NAME: &str = "evil\u{1b}[2J\u{1b}]8;;http://x.example/\u{1b}\\link\u{1b}]8;;\u{1b}\\\u{1}\u{7f}\u{85}\u{9b}31m\u{202e}\u{2066}\u{2028}\r\nend";
const HOSTILE_KEY: &str = "unknown\u{1b}[2J\u{1b}]8;;http://x.example/\u{1b}\\field\u{7}\u{7f}\u{85}\u{9b}\u{202e}\u{ffff}\nnext\r%,:";
const HOSTILE_FILE_NAME: &str = "evil\u{1b}[31m\u{202e},50%:x\n.yaml";
/// The file name and the key as text output shows them (U+FFFF does nothing on a terminal).
const VISIBLE_FILE_NAME: &str = "evil\\u{1b}[31m\\u{202e},50%:x\\n.yaml";
const VISIBLE_KEY: &str = "unknown\\u{1b}[2J\\u{1b}]8;;http://x.example/\\u{1b}\\field\\u{7}\\u{7f}\\u{85}\\u{9b}\\u{202e}\u{ffff}\\nnext\\r%,:";

/// A YAML double-quoted scalar holding exactly `text` (escapes for everything but printable
/// ASCII).
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\u{:04x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// Characters that must not be in output as they are (tab and newline are layout).
fn unsafe_characters(output: &str) -> Vec<String> {
    output
        .char_indices()
        .filter(|&(_, c)| {
            (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
        })
        .map(|(at, c)| format!("{:?} at byte {at}", c))
        .collect()
}

#[cfg(unix)]
#[test]
fn untrusted_text_is_escaped_in_every_format() {
    let dir = scratch("untrusted-text");
    let manifest = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  labels:\n    {label_key}: {label_value}\n{key}: 1\n# Written raw, not as YAML escapes: the human snippet shows the source.\nraw\u{202e}key\u{2066}: 2\n\"raw\\e[2J\\N\\x9b\": 3\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: img\nspec:\n  containers:\n    - name: c\n      image: {image}\n---\n# Raw control characters: kubectl refuses the document, the snippet shows the source.\n\"raw\u{1b}[2J\u{85}\u{9b}\": 3\n",
        name = yaml_quoted(HOSTILE_NAME),
        label_key = yaml_quoted("app\u{1b}[1mkey\u{202e}"),
        label_value = yaml_quoted("v\u{1b}[2J\nx"),
        key = yaml_quoted(HOSTILE_KEY),
        image = yaml_quoted(" evil\u{1b}[2J\u{202e}\nx:latest "),
    );
    std::fs::write(dir.join(HOSTILE_FILE_NAME), &manifest).unwrap();
    let run = |format: &str| {
        let o = common::command()
            .args(["check", "--no-config", "--no-context", "--color", "never"])
            .args(["--select", "hygiene,hardening"])
            .args(["--format", format])
            .arg(&dir)
            .current_dir(&dir)
            .env("GITHUB_WORKSPACE", &dir)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8(o.stdout).expect("UTF-8 output");
        let found = unsafe_characters(&out);
        assert!(found.is_empty(), "{format}: unescaped {found:?} in\n{out}");
        out
    };
    let path = dir.join(HOSTILE_FILE_NAME).display().to_string();
    let visible_path = format!("{}/{VISIBLE_FILE_NAME}", dir.display());
    // The findings, in order: each format must have exactly these.
    let expected = [
        ("error", "invalid-name"),
        ("error", "invalid-label-key"),
        ("error", "invalid-label-value"),
        ("error", "unknown-field"),
        ("error", "unknown-field"),
        ("error", "unknown-field"),
        ("info", "run-as-non-root"),
        ("info", "missing-resources"),
        ("error", "invalid-image"),
        ("warning", "latest-tag"),
        ("error", "invalid-yaml"),
    ];
    let expected_rules: Vec<&str> = expected.iter().map(|(_, rule)| *rule).collect();

    // JSON: valid, and the text from the manifest is there exactly (as `\u` escapes).
    let json = run("json");
    assert!(json.contains(r"\u001b[2J") && json.contains(r"\u202e") && json.contains(r"\u009b"));
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let diagnostics = parsed["diagnostics"].as_array().unwrap();
    let rules: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, expected_rules);
    assert!(diagnostics.iter().all(|d| d["file"] == path.as_str()));
    assert_eq!(diagnostics[0]["object"]["name"], HOSTILE_NAME);
    assert_eq!(
        diagnostics[3]["message"],
        format!("unknown field `{HOSTILE_KEY}` in ConfigMap")
    );
    assert_eq!(
        diagnostics[4]["message"],
        "unknown field `raw\u{202e}key\u{2066}` in ConfigMap"
    );
    assert_eq!(
        diagnostics[8]["help"],
        "write `image: evil\u{1b}[2J\u{202e}\nx:latest`"
    );

    // SARIF: the same, and the file's URI percent-encoded.
    let sarif: serde_json::Value = serde_json::from_str(&run("sarif")).expect("valid JSON");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let rules: Vec<&str> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, expected_rules);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "evil%1B%5B31m%E2%80%AE%2C50%25%3Ax%0A.yaml"
    );
    assert_eq!(
        results[0]["locations"][0]["logicalLocations"][0]["name"],
        HOSTILE_NAME
    );
    assert!(
        results[3]["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with(&format!(
                "unknown field `{HOSTILE_KEY}` in ConfigMap\nhelp: "
            )),
        "{}",
        results[3]["message"]
    );

    // Concise: one line a finding (a newline in a value does not start another), escaped.
    let concise = run("concise");
    let lines: Vec<&str> = concise.lines().collect();
    assert_eq!(lines.len(), expected_rules.len() + 1, "{concise}");
    for (line, (severity, rule)) in lines.iter().zip(expected) {
        assert!(line.starts_with(&format!("{visible_path}:")), "{line}");
        assert!(line.contains(&format!(": {severity}[{rule}]: ")), "{line}");
    }
    assert_eq!(
        lines[3],
        format!(
            "{visible_path}:7:1: error[unknown-field]: unknown field `{VISIBLE_KEY}` in ConfigMap"
        )
    );
    assert_eq!(
        lines[4],
        format!(
            "{visible_path}:9:1: error[unknown-field]: unknown field `raw\\u{{202e}}key\\u{{2066}}` in ConfigMap"
        )
    );

    // Human: escaped in messages, help and names; the snippet shows the raw source with
    // stand-ins of the same width in bytes.
    let human = run("human");
    let headers = human
        .lines()
        .filter(|l| {
            ["error[", "warning[", "info["]
                .iter()
                .any(|h| l.starts_with(h))
        })
        .count();
    assert_eq!(headers, expected_rules.len(), "{human}");
    assert!(
        human.contains(&format!("┌─ {visible_path}:7:1\n")),
        "{human}"
    );
    assert!(human.contains(&format!(
        "error[unknown-field]: unknown field `{VISIBLE_KEY}` in ConfigMap\n"
    )));
    assert!(human.contains("9 │ raw\u{fffd}key\u{fffd}: 2\n"), "{human}");
    assert!(human.contains("22 │ \"raw?[2J????\": 3\n"), "{human}");
    assert!(
        human.contains("= help: write `image: evil\\u{1b}[2J\\u{202e}\\nx:latest`\n"),
        "{human}"
    );

    // GitHub: one workflow command a finding, its properties escaped (`%`, `,`, `:`), line
    // breaks only where kubevet writes them (`%0A`), the text from the manifest visible.
    let github = run("github");
    let lines: Vec<&str> = github.lines().collect();
    assert_eq!(lines.len(), expected_rules.len() + 1, "{github}");
    for line in &lines[..expected_rules.len()] {
        let rest = ["::error ", "::warning ", "::notice "]
            .iter()
            .find_map(|c| line.strip_prefix(c))
            .unwrap_or_else(|| panic!("not a workflow command: {line}"));
        let (properties, message) = rest.split_once("::").unwrap();
        let keys: Vec<&str> = properties
            .split(',')
            .map(|p| p.split_once('=').unwrap().0)
            .collect();
        assert_eq!(
            keys,
            ["file", "line", "col", "endLine", "endColumn", "title"],
            "{line}"
        );
        assert!(
            properties.starts_with("file=evil\\u{1b}[31m\\u{202e}%2C50%25%3Ax\\n.yaml,line="),
            "{line}"
        );
        assert!(!message.contains('\r'), "{line}");
    }
    assert!(
        lines[3].contains(&format!(
            "::unknown field `{}` in ConfigMap%0A%0Ahelp: ",
            VISIBLE_KEY.replace('%', "%25")
        )),
        "{}",
        lines[3]
    );

    // A line break in a help text from the manifest is shown, not made.
    assert!(
        lines[8].contains("%0A%0Ahelp: write `image: evil\\u{1b}[2J\\u{202e}\\nx:latest`%0Asee: "),
        "{}",
        lines[8]
    );

    // JUnit: well-formed XML with no character XML forbids; each finding is one line of the
    // failure or system-out text.
    let junit = run("junit");
    assert!(!junit.contains(['\u{fffe}', '\u{ffff}']));
    let xml = roxmltree::Document::parse(&junit).expect("well-formed XML");
    let mut finding_lines = 0;
    for node in xml
        .descendants()
        .filter(|n| n.has_tag_name("failure") || n.has_tag_name("system-out"))
    {
        for line in node.text().unwrap_or_default().lines() {
            if !line.starts_with("  help: ") {
                assert!(line.starts_with(&format!("{visible_path}:")), "{line}");
                finding_lines += 1;
            }
        }
    }
    assert_eq!(finding_lines, expected_rules.len(), "{junit}");
    let names: Vec<&str> = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ConfigMap evil\\u{1b}[2J\\u{1b}]8;;http://x.example/\\u{1b}\\link\\u{1b}]8;;\\u{1b}\\\\u{1}\\u{7f}\\u{85}\\u{9b}31m\\u{202e}\\u{2066}\\u{2028}\\r\\nend",
            "Pod img",
            // The document that is not YAML kubectl can read: a finding of the file.
            "file"
        ]
    );
}

/// Many Services that select nothing in one namespace full of workloads: looking for a near
/// miss among every workload for every Service would be quadratic; the search has a budget.
#[test]
fn many_broken_services_in_a_large_namespace() {
    let dir = scratch("broken-services");
    let mut workloads = String::new();
    for i in 0..4000 {
        workloads.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{i}, namespace: big}}\nspec:\n  selector: {{matchLabels: {{app: w{i:05}}}}}\n  template:\n    metadata: {{labels: {{app: w{i:05}}}}}\n    spec: {{containers: [{{name: c, image: \"nginx:1.27\"}}]}}\n"
        ));
    }
    let mut services = String::new();
    for i in 0..2000 {
        services.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: s{i}, namespace: big}}\nspec: {{selector: {{app: s{i:05}}}, ports: [{{port: 80}}]}}\n"
        ));
    }
    std::fs::write(dir.join("workloads.yaml"), workloads).unwrap();
    std::fs::write(dir.join("services.yaml"), services).unwrap();
    std::fs::write(
        dir.join("namespace.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: big}\n",
    )
    .unwrap();
    let run = check(&dir);
    assert_sane("broken services", &run, "service-selects-nothing");
    let reported = run.stdout.matches("[service-selects-nothing]").count();
    assert_eq!(reported, 2000, "{}", run.stderr);
}
