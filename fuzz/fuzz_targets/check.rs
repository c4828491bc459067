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
    let style = Style { color: false, summary: true };
    for format in [Format::Human, Format::Concise, Format::Json] {
        out.clear();
        render(&report, format, style, &mut out).expect("rendering to memory");
    }
});
