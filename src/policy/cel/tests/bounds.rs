//! Hostile and random expressions: never a panic, a hang or a stack overflow; a clear
//! `EvalError::Cost` or `CompileError::TooComplex` instead, quickly.

use crate::load::tree::{Entry, Node, Span, Style, Value as Y};
use crate::policy::cel::{
    Activation, CompileError, Env, EvalError, Limits, compile, convert, eval,
};
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// Wall-clock bound asserted per expression. There is no deadline: the cost budget alone stops
/// every expression here, well within it; the margin is for a loaded 2-core machine running the other tests in parallel, and for the debug profile
/// (the worst seen is printed by `random_expressions_are_bounded`). A hang would exceed it by
/// orders of magnitude.
const WALL: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(2)
} else {
    Duration::from_millis(250)
};

fn node(v: Y) -> Node {
    Node::new(v, Span::default(), Style::Plain)
}

fn object(big: usize) -> Node {
    let s = |v: String| node(Y::Str(v));
    node(Y::Map(vec![
        Entry {
            key: s("s".into()),
            value: s("a".repeat(big)),
        },
        Entry {
            key: s("n".into()),
            value: node(Y::Int(3)),
        },
        Entry {
            key: s("l".into()),
            value: node(Y::Seq((0..100).map(|i| node(Y::Int(i))).collect())),
        },
    ]))
}

fn run(env: &Env, src: &str, obj: &Node) -> (Result<cel::Value, EvalError>, Duration) {
    let t = Instant::now();
    let result = match compile(src, env) {
        Ok(p) => {
            let v = convert::to_cel(obj);
            let act = Activation::new().bind("self", v.as_ref());
            eval(&p, env, &act, Limits::default())
        }
        Err(e) => Err(EvalError::Error(e.to_string())),
    };
    (result, t.elapsed())
}

#[test]
fn nested_comprehensions_run_out_of_budget() {
    let env = Env::new(35);
    let obj = object(10);
    for src in [
        // 100^4 = 10^8 iterations
        "self.l.all(a, self.l.all(b, self.l.all(c, self.l.all(d, true))))",
        "self.l.map(a, self.l.map(b, self.l.map(c, self.l.map(d, d)))).size() > 0",
        "self.l.exists(a, self.l.exists(b, self.l.exists(c, self.l.exists(d, false))))",
        "self.l.transformList(i, a, self.l.transformList(j, b, self.l.transformList(k, c, self.l.filter(d, true))))",
    ] {
        let (result, took) = run(&env, src, &obj);
        assert_eq!(result, Err(EvalError::Cost), "{src}");
        assert!(took < WALL, "{src}: {took:?}");
    }
}

#[test]
fn growing_strings_run_out_of_budget() {
    let env = Env::new(35);
    let obj = object(1 << 20); // a 1 MiB string
    for src in [
        // concatenation in a loop: 100 × 2 MiB
        "self.l.map(x, self.s + self.s).size() > 0",
        // replacement multiplies the size: 1 MiB × 1 MiB
        "self.s.replace('a', self.s).size() > 0",
        "self.l.map(x, self.s.lowerAscii()).size() > 0",
        "self.l.map(x, [self.s, self.s].join('')).size() > 0",
        "self.l.all(x, self.s.matches('^a*$'))",
        "self.l.all(x, self.s.split('').size() > 0)",
    ] {
        let (result, took) = run(&env, src, &obj);
        assert_eq!(result, Err(EvalError::Cost), "{src}");
        assert!(took < WALL, "{src}: {took:?}");
    }
    // the same on a small string is fine
    let small = object(8);
    let (result, _) = run(&env, "self.l.map(x, self.s + self.s).size() == 100", &small);
    assert_eq!(result, Ok(cel::Value::Bool(true)));
}

#[test]
fn deep_and_long_expressions_are_refused_before_parsing() {
    let env = Env::new(35);
    let n = 100_000 / 2;
    for src in [
        format!("{}1{}", "(".repeat(n), ")".repeat(n)),
        format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        format!("1{}", " + 1".repeat(n / 2)),
        format!("{}true", "!".repeat(n)),
        format!("self{}", ".a".repeat(n / 2)),
        format!("{}1{}", "int(".repeat(n / 4), ")".repeat(n / 4)),
        format!("true{}", " && true".repeat(n / 4)),
        "x".repeat(200_000),
    ] {
        let t = Instant::now();
        let result = compile(&src, &env);
        assert!(
            matches!(result, Err(CompileError::TooComplex(_))),
            "{}...: {result:?}",
            &src[..40]
        );
        assert!(t.elapsed() < WALL, "{}: {:?}", &src[..40], t.elapsed());
    }
    // Just under the limits: parses (or fails to parse) without overflowing the stack, on a
    // thread with the 2 MiB stack of kubevet's rayon workers.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let env = Env::new(35);
            for src in [
                format!("1{}", " + 1".repeat(240)),
                format!("{}1{}", "(".repeat(90), ")".repeat(90)),
                format!("self{}", ".a".repeat(240)),
                format!("{}true", "!".repeat(240)),
            ] {
                if let Ok(p) = compile(&src, &env) {
                    let o = object(1);
                    let v = convert::to_cel(&o);
                    let _ = eval(
                        &p,
                        &env,
                        &Activation::new().bind("self", v.as_ref()),
                        Limits::default(),
                    );
                }
            }
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Fragments random expressions are built from: CEL syntax, the library's functions, macros.
fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("self".to_string()),
        Just("self.l".to_string()),
        Just("self.s".to_string()),
        Just("self.n".to_string()),
        Just("x".to_string()),
        (-3i64..300).prop_map(|i| i.to_string()),
        Just("1.5".to_string()),
        Just("'ab'".to_string()),
        Just("'1Gi'".to_string()),
        Just("'10.0.0.0/8'".to_string()),
        Just("[1, 2, 3]".to_string()),
        Just("{'a': 1}".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("b'x'".to_string()),
        "[a-z(\\[{.,+'\"]{0,6}".prop_map(|s| s),
    ];
    leaf.prop_recursive(6, 64, 4, |inner| {
        prop_oneof![
            (
                inner.clone(),
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", "&&", "||", "in",
                ])
            )
                .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
            (
                inner.clone(),
                prop::sample::select(vec!["all", "exists", "exists_one", "map", "filter",]),
                inner.clone()
            )
                .prop_map(|(r, m, body)| format!("{r}.{m}(x, {body})")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "all",
                    "exists",
                    "existsOne",
                    "transformList",
                    "transformMap",
                ]),
                inner.clone()
            )
                .prop_map(|(r, m, body)| format!("{r}.{m}(k, x, {body})")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "size",
                    "lowerAscii",
                    "trim",
                    "isSorted",
                    "sum",
                    "min",
                    "max",
                    "reverse",
                    "distinct",
                    "flatten",
                    "sort",
                    "asInteger",
                    "family",
                    "masked",
                    "getHost",
                ])
            )
                .prop_map(|(r, f)| format!("{r}.{f}()")),
            (
                inner.clone(),
                prop::sample::select(vec![
                    "startsWith",
                    "contains",
                    "split",
                    "indexOf",
                    "find",
                    "findAll",
                    "matches",
                    "join",
                    "charAt",
                    "isGreaterThan",
                    "add",
                    "containsIP",
                ]),
                inner.clone()
            )
                .prop_map(|(r, f, a)| format!("{r}.{f}({a})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(r, a, b)| format!("{r}.replace({a}, {b})")),
            (
                prop::sample::select(vec![
                    "quantity",
                    "ip",
                    "cidr",
                    "url",
                    "semver",
                    "isQuantity",
                    "isIP",
                    "int",
                    "string",
                    "size",
                    "has",
                    "dyn",
                    "type",
                    "lists.range",
                    "optional.of",
                ]),
                inner.clone()
            )
                .prop_map(|(f, a)| format!("{f}({a})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("({c} ? {a} : {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("[{a}, {b}]")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a}[{b}]")),
            inner.clone().prop_map(|a| format!("{a}.?a")),
            inner.prop_map(|a| format!("!{a}")),
        ]
    })
}

/// Random expressions (2,000 generated + 1,000 random strings): never a panic, never more than
/// `WALL`; prints the slowest, and how the runs ended.
#[test]
fn random_expressions_are_bounded() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let env = Env::new(35);
    let obj = object(64);
    let mut runner = TestRunner::new(Config::default());
    let mut worst = (Duration::ZERO, String::new());
    let (mut values, mut errors, mut costs, mut compile_errors) = (0, 0, 0, 0);
    let strings = "\\PC{0,200}".prop_map(|s| s).boxed();
    for i in 0..3000 {
        let src = if i < 2000 {
            expr().new_tree(&mut runner).unwrap().current()
        } else {
            strings.new_tree(&mut runner).unwrap().current()
        };
        let t = Instant::now();
        match compile(&src, &env) {
            Ok(p) => {
                let v = convert::to_cel(&obj);
                let act = Activation::new().bind("self", v.as_ref());
                match eval(&p, &env, &act, Limits::default()) {
                    Ok(_) => values += 1,
                    Err(EvalError::Cost) => costs += 1,
                    Err(_) => errors += 1,
                }
            }
            Err(_) => compile_errors += 1,
        }
        let took = t.elapsed();
        assert!(took < WALL, "{src}: {took:?}");
        if took > worst.0 {
            worst = (took, src);
        }
    }
    eprintln!(
        "3000 random expressions: {values} values, {errors} runtime errors, {costs} over budget, \
         {compile_errors} not compiled; slowest {:?}: {}",
        worst.0,
        worst.1.chars().take(120).collect::<String>()
    );
}
