//! The whole check of one file (load, every per-object rule, the whole-repo stage, rendering)
//! on arbitrary bytes, read from stdin and, for one input in four, from a file: the two must
//! find the same problems at the same places (a file goes through the two-pass pipeline, whose
//! first pass checks what needs no CRD).
#![no_main]

use kubevet::output::{Format, Style, render};
use kubevet::{Input, Options, check};
use libfuzzer_sys::fuzz_target;

fn findings(report: &kubevet::Report) -> Vec<(&'static str, u32, u32, String)> {
    let mut all: Vec<_> = report
        .diagnostics
        .iter()
        .map(|d| {
            let at = d.primary.location.start;
            (d.rule.id, at.line, at.column, d.message.clone())
        })
        .collect();
    all.sort();
    all
}

fuzz_target!(|data: &[u8]| {
    let input = Input::Stream { name: "fuzz.yaml".into(), bytes: data.to_vec() };
    let report = check(input, &Options::default()).expect("a stream always checks");
    if data.len() % 4 == 1 {
        let dir = std::env::temp_dir().join(format!("kubevet-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("fuzz.yaml");
        std::fs::write(&path, data).expect("temp file");
        let options = Options::default();
        let from_file = check(Input::Paths(vec![path]), &options).expect("the file exists");
        assert_eq!(findings(&from_file), findings(&report));
    }
    let mut out = Vec::new();
    let style = Style { color: false, summary: true, ..Style::default() };
    let mut formats = vec![Format::Human, Format::Concise, Format::Json, Format::Github, Format::Junit];
    // SARIF lists every rule with its documentation (hundreds of KB): rendered for one input in
    // eight, it keeps the executions per second up for the checks themselves.
    if data.len() % 8 == 0 {
        formats.push(Format::Sarif);
    }
    for format in formats {
        out.clear();
        render(&report, format, style, &mut out).expect("rendering to memory");
    }
});
