//! The whole check of one file (load, every per-object rule, the whole-repo stage, rendering)
//! on arbitrary bytes.
#![no_main]

use kubevet::output::{Format, Style, render};
use kubevet::{Input, Options, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = Input::Stream { name: "fuzz.yaml".into(), bytes: data.to_vec() };
    let report = check(input, &Options::default()).expect("a stream always checks");
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
