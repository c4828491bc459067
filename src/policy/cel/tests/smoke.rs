use crate::policy::cel::{Env, eval_str};

#[test]
fn smoke() {
    let env = Env::new(35);
    for e in [
        "'abc'.indexOf('c') == 2",
        "[1,2,3].all(x, x > 0)",
        "[1,2,3].map(x, x * 2) == [2,4,6]",
        "[1,2,3].filter(x, x > 1) == [2,3]",
        "{'a': 1, 'b': 2}.all(k, v, v > 0)",
        "[10, 20].exists(i, v, i == 1 && v == 20)",
        "{'a': 1}.transformMap(k, v, v + 1) == {'a': 2}",
        "[1, 2].transformList(i, v, i + v) == [1, 3]",
        "quantity('1Gi').isGreaterThan(quantity('1G'))",
        "ip('10.0.0.1').family() == 4",
        "cidr('10.0.0.0/8').containsIP('10.1.2.3')",
        "semver('1.2.3').isLessThan(semver('1.10.0'))",
        "url('https://example.com:80/p?a=1').getPort() == '80'",
        "'abc'.matches('^a')",
        "[3,1,2].max() == 3",
        "sets.contains([1,2,3], [2])",
        "optional.of(1).hasValue()",
        "{'a': 1}.?a.orValue(0) == 1",
        "'a,b'.split(',') == ['a', 'b']",
    ] {
        assert_eq!(eval_str(e, &env), Ok(cel::Value::Bool(true)), "{e}");
    }
}
