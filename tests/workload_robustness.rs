//! Workload rules on objects of the wrong shape: no panic, and nothing reported that is really a
//! type error (the schema's finding).

use kubevet::{Input, Options, check};

const ODD: &str = include_str!("odd_shapes.yaml");

#[test]
fn odd_shapes_do_not_panic_or_mislead() {
    let input = Input::Stream {
        name: "odd.yaml".into(),
        bytes: ODD.as_bytes().to_vec(),
    };
    let report = check(input, &Options::default()).unwrap();
    let ids: Vec<&str> = report.diagnostics.iter().map(|d| d.rule.id).collect();
    // `.inf` does not survive kubectl's JSON conversion: not a quantity to quote back as "null".
    assert!(!ids.contains(&"invalid-quantity"), "{ids:?}");
    // `1e400` is a string in YAML 1.1 and a valid (huge) quantity: more than the 47-digit limit.
    assert!(ids.contains(&"request-exceeds-limit"), "{ids:?}");
    // Wrong types (a map of containers, a string selector) are left to the schema.
    assert!(!ids.contains(&"missing-containers"), "{ids:?}");
    assert!(!ids.contains(&"invalid-selector"), "{ids:?}");
    // `TZ=UTC` without a schedule: robfig panics, Kubernetes reports it; so does kubevet.
    assert!(ids.contains(&"cron-schedule"), "{ids:?}");
}
