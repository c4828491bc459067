//! Measures kubevet on a corpus: wall time, CPU time, documents/s, MB/s and peak RSS for
//! (a) discovery + YAML loading only, (b) the full `kubevet check`, (c) one small file end to end
//! (on its own, `--no-context`), (d) one file of the corpus with the corpus indexed as context
//! (what a pre-commit hook pays).
//!
//! ```sh
//! cargo build --release && cargo run --release --example gen-corpus -- /tmp/corpus --files 2000
//! cargo run --release --example bench -- /tmp/corpus [--runs 7] [--small fixtures/valid/alpine-pod.yaml]
//!     [--against OTHER/kubevet] [--render-cost]
//! ```
//!
//! Each measurement is a fresh process (so peak RSS is that phase's own), reaped with `wait4` for
//! its CPU time and maximum RSS; the median of the runs is reported. `--against` runs another
//! kubevet build too, alternating with this one run by run, for (b), (c) and (d): on a machine
//! whose speed drifts from minute to minute, only runs taken together compare. `--render-cost`
//! also runs (b) without rendering kustomizations (`check --no-render`: every file checked as
//! written only), alternating with (b), and prints what rendering adds.

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Sample {
    wall: Duration,
    cpu: Duration,
    max_rss_kib: i64,
}

/// Runs a command to completion and returns its wall time, CPU time and peak RSS.
// The child is reaped by `wait4` (which also returns its resource usage), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn measure(program: &Path, args: &[&str]) -> (Sample, String) {
    let started = Instant::now();
    let child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", program.display()));
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.expect("piped");
    let reader =
        std::thread::spawn(move || std::io::read_to_string(&mut stdout).unwrap_or_default());
    let mut status = 0;
    // SAFETY: `usage` is a plain C struct that wait4 fills in; the pid is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(reaped, pid, "wait4 failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let sample = Sample {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
    };
    (sample, reader.join().unwrap_or_default())
}

/// `runs` samples of `args` run by `kubevet`, and as many by `against` if given, alternating.
fn interleaved(
    kubevet: &Path,
    against: Option<&Path>,
    args: &[&str],
    runs: usize,
) -> (Vec<Sample>, Vec<Sample>) {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        ours.push(measure(kubevet, args).0);
        if let Some(other) = against {
            theirs.push(measure(other, args).0);
        }
    }
    (ours, theirs)
}

fn median(samples: &mut [Sample]) -> &Sample {
    samples.sort_by_key(|s| s.wall);
    &samples[samples.len() / 2]
}

/// Phase (a), run in a child process: discover and load every file, nothing else.
fn load_only(dir: &Path) {
    use kubevet::diagnostics::FileId;
    use kubevet::discover::{Found, discover};
    use kubevet::load::{Limits, load};
    use kubevet::source::SourceFile;
    let found = discover(&[dir.to_path_buf()]).expect("corpus exists");
    let limits = Limits::default();
    let (documents, bytes): (usize, usize) = found
        .par_iter()
        .filter_map(|f| match f {
            Found::File(path) => Some(path),
            _ => None,
        })
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            let len = text.len();
            let file = SourceFile::new(FileId(0), path.display().to_string(), text);
            (load(&file, &limits).documents.len(), len)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("{documents} {bytes}");
}

fn report(name: &str, s: &Sample, documents: usize, bytes: usize) {
    let secs = s.wall.as_secs_f64();
    let rate = if documents > 0 {
        format!(
            "{:>10.0} docs/s {:>8.1} MB/s",
            documents as f64 / secs,
            bytes as f64 / 1e6 / secs
        )
    } else {
        String::new()
    };
    println!(
        "{name:<28} wall {:>8.1} ms   cpu {:>8.1} ms   peak RSS {:>6.1} MiB  {rate}",
        secs * 1e3,
        s.cpu.as_secs_f64() * 1e3,
        s.max_rss_kib as f64 / 1024.0,
    );
}

const USAGE: &str =
    "usage: bench CORPUS_DIR [--runs N] [--small FILE] [--against OTHER_KUBEVET] [--render-cost]";

/// A bad command line: what is wrong and the usage, on stderr; exit code 2.
fn usage(problem: &str) -> ! {
    eprintln!("bench: {problem}\n{USAGE}");
    std::process::exit(2)
}

// kubevet's own allocator: loading is timed as the binary runs it (glibc's malloc made phase
// (a) a quarter slower, and the full/loading ratio look smaller than it is).
#[global_allocator]
static GLOBAL: kubevet::alloc::Allocator = kubevet::alloc::Allocator;

fn main() {
    // SAFETY: first thing in `main`: no other thread exists yet.
    unsafe { kubevet::alloc::configure() };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--phase-load") {
        load_only(Path::new(&args[1]));
        return;
    }
    let mut dir = None;
    let mut runs = 7usize;
    let mut small = PathBuf::from("fixtures/valid/alpine-pod.yaml");
    let mut against: Option<PathBuf> = None;
    let mut render_cost = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => match it.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0) {
                Some(n) => runs = n,
                None => usage("--runs needs a number of runs, 1 or more"),
            },
            "--small" => match it.next() {
                Some(file) => small = PathBuf::from(file),
                None => usage("--small needs a file"),
            },
            "--against" => match it.next() {
                Some(other) => against = Some(PathBuf::from(other)),
                None => usage("--against needs the path of another kubevet binary"),
            },
            "--render-cost" => render_cost = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            flag if flag.starts_with('-') => usage(&format!("unknown option `{flag}`")),
            _ if dir.is_some() => usage("one corpus directory only"),
            _ => dir = Some(PathBuf::from(arg)),
        }
    }
    let Some(dir) = dir else {
        usage("name a corpus directory");
    };
    if !dir.is_dir() {
        usage(&format!("{}: not a directory", dir.display()));
    }
    if let Some(other) = &against
        && !other.is_file()
    {
        usage(&format!("--against {}: no such file", other.display()));
    }
    let against = against.as_deref();
    let me = std::env::current_exe().expect("own path");
    let kubevet = me
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/examples")
        .join("kubevet");
    assert!(
        kubevet.is_file(),
        "build kubevet first: cargo build --release ({} missing)",
        kubevet.display()
    );
    let dir_str = dir.to_str().expect("UTF-8 corpus path");

    let mut load = Vec::new();
    let mut counts = (0, 0);
    for _ in 0..runs {
        let (sample, out) = measure(&me, &["--phase-load", dir_str]);
        let mut parts = out
            .split_whitespace()
            .map(|n| n.parse::<usize>().unwrap_or(0));
        counts = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        load.push(sample);
    }
    let full_args = ["check", "--format", "concise", "-q", dir_str];
    let (mut full, mut full_other) = interleaved(&kubevet, against, &full_args, runs);
    // (b) again, with and without the rendered stage, alternating.
    let unrendered_args = ["check", "--format", "concise", "-q", "--no-render", dir_str];
    let (mut rendered, mut unrendered) = (Vec::new(), Vec::new());
    for _ in 0..if render_cost { runs } else { 0 } {
        rendered.push(measure(&kubevet, &full_args).0);
        unrendered.push(measure(&kubevet, &unrendered_args).0);
    }
    let small_str = small.to_str().expect("UTF-8 path");
    let small_args = ["check", "--no-context", small_str];
    let (mut one, mut one_other) = interleaved(&kubevet, against, &small_args, runs.max(15));
    // The corpus's first file, checked with the corpus as context.
    let first = kubevet::discover::discover(std::slice::from_ref(&dir))
        .expect("corpus exists")
        .into_iter()
        .find_map(|f| match f {
            kubevet::discover::Found::File(path) => Some(path),
            _ => None,
        })
        .expect("a file in the corpus");
    let first_str = first.to_str().expect("UTF-8 path");
    let context_args = ["check", "-q", "--context", dir_str, first_str];
    let (mut in_context, mut in_context_other) =
        interleaved(&kubevet, against, &context_args, runs);

    let (documents, bytes) = counts;
    println!(
        "corpus {}: {documents} documents, {:.1} MB; {} threads; median of {runs} runs",
        dir.display(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
    let load = median(&mut load);
    let full = median(&mut full);
    report("(a) discovery + loading", load, documents, bytes);
    report("(b) full kubevet check", full, documents, bytes);
    report(
        &format!(
            "(c) one file: {}",
            small.file_name().unwrap().to_string_lossy()
        ),
        median(&mut one),
        0,
        0,
    );
    let in_context = median(&mut in_context);
    report("(d) one file + context", in_context, documents, bytes);
    if let Some(other) = against {
        println!(
            "the same runs of {} (alternating with the above):",
            other.display()
        );
        report(
            "(b) full kubevet check",
            median(&mut full_other),
            documents,
            bytes,
        );
        report("(c) one file", median(&mut one_other), 0, 0);
        report(
            "(d) one file + context",
            median(&mut in_context_other),
            documents,
            bytes,
        );
    }
    if render_cost {
        let rendered = median(&mut rendered);
        report("(b) full kubevet check", rendered, documents, bytes);
        let unrendered = median(&mut unrendered);
        report("(b) without rendering", unrendered, documents, bytes);
        println!(
            "rendering adds: {:+.1}% wall, {:+.1}% cpu",
            (rendered.wall.as_secs_f64() / unrendered.wall.as_secs_f64() - 1.0) * 100.0,
            (rendered.cpu.as_secs_f64() / unrendered.cpu.as_secs_f64() - 1.0) * 100.0,
        );
    }
    println!(
        "one file with context / loading-only wall: {:.2}x",
        in_context.wall.as_secs_f64() / load.wall.as_secs_f64()
    );
    println!(
        "full / loading-only wall: {:.2}x",
        full.wall.as_secs_f64() / load.wall.as_secs_f64()
    );
}
