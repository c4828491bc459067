//! The Kubernetes CEL libraries: expected results from k8s.io/apiserver/pkg/cel/library's own
//! tests (quantity_test.go, ...) and Go's semantics (net/netip, net/url, blang/semver).

use crate::policy::cel::{CompileError, Env, EvalError, compile, eval_str};
use cel::Value;

fn env() -> Env {
    Env::new(35)
}

fn is_true(exprs: &[&str]) {
    let env = env();
    for e in exprs {
        assert_eq!(eval_str(e, &env), Ok(Value::Bool(true)), "{e}");
    }
}

fn value(e: &str) -> Result<Value, EvalError> {
    eval_str(e, &env())
}

fn error_contains(e: &str, needle: &str) {
    match value(e) {
        Err(EvalError::Error(msg)) => assert!(msg.contains(needle), "{e}: {msg}"),
        other => panic!("{e}: expected an error with {needle:?}, got {other:?}"),
    }
}

#[test]
fn quantity() {
    is_true(&[
        "isQuantity('20')",
        "isQuantity('20M')",
        "isQuantity('20Mi')",
        "!isQuantity('20Mo')",
        "!isQuantity('10Mm')",
        "!isQuantity(' 1')",
        "quantity('200M') == quantity('200M')",
        "quantity('200M') == quantity('0.2G') && quantity('0.2G') == quantity('200M')",
        "quantity('2M') == quantity('0.002G') && quantity('2000k') == quantity('2M')",
        "quantity('200M') != quantity('0.3G')",
        "quantity('50M').isLessThan(quantity('50Mi'))",
        "quantity('50M').isLessThan(quantity('100M'))",
        "!quantity('100M').isLessThan(quantity('50M'))",
        "quantity('50Mi').isGreaterThan(quantity('50M'))",
        "!quantity('50M').isGreaterThan(quantity('100M'))",
        "quantity('200M').compareTo(quantity('0.2G')) == 0",
        "quantity('50M').compareTo(quantity('50Mi')) == -1",
        "quantity('50Mi').compareTo(quantity('50M')) == 1",
        "quantity('50k').add(quantity('20')) == quantity('50.02k')",
        "!quantity('50k').add(20).isLessThan(quantity('50020'))",
        "quantity('50k').sub(quantity('20')) == quantity('49.98k')",
        "quantity('50k').sub(20) == quantity('49980')",
        "quantity('50k').add(20).sub(quantity('100k')).asInteger() == -49980",
        "quantity('50k').add(20).sub(quantity('100k')).sub(-50000).asInteger() == 20",
        "quantity('50k').asInteger() == 50000",
        "!quantity('9999999999999999999999999999999999999G').isInteger()",
        "quantity('50').isInteger()",
        "quantity('50.703k').asApproximateFloat() == 50703.0",
        "quantity('-1').sign() == -1 && quantity('0').sign() == 0 && quantity('1m').sign() == 1",
    ]);
    error_contains(
        "quantity('10Mo')",
        "quantities must match the regular expression",
    );
    error_contains("quantity('10Mm')", "unable to parse quantity's suffix");
    error_contains(
        "quantity('9999999999999999999999999999999999999G').asInteger()",
        "cannot convert value to integer",
    );
}

#[test]
fn ip() {
    is_true(&[
        "isIP('1.2.3.4') && isIP('2001:db8::68')",
        "!isIP('1.2.3') && !isIP('010.0.0.1') && !isIP('1.2.3.4%eth0') && !isIP('fe80::1%eth0')",
        "!isIP('::ffff:1.2.3.4')",
        "ip('127.0.0.1').family() == 4 && ip('::1').family() == 6",
        "ip('127.0.0.1').isLoopback() && ip('::1').isLoopback() && !ip('1.2.3.4').isLoopback()",
        "ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified()",
        "ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast()",
        "!ip('224.0.1.1').isLinkLocalMulticast()",
        "ip('169.254.169.254').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()",
        "ip('192.168.0.1').isGlobalUnicast() && ip('2001:db8::abcd').isGlobalUnicast()",
        "!ip('255.255.255.255').isGlobalUnicast() && !ip('224.0.0.1').isGlobalUnicast()",
        "ip.isCanonical('127.0.0.1') && ip.isCanonical('2001:db8::abcd')",
        "!ip.isCanonical('2001:DB8::ABCD') && !ip.isCanonical('2001:db8:0:0:0:0:0:abcd')",
        "string(ip('2001:DB8:0::1')) == '2001:db8::1'",
        "ip('10.0.0.1') == ip('10.0.0.1') && ip('10.0.0.1') != ip('10.0.0.2')",
    ]);
    error_contains("ip('::ffff:1.2.3.4')", "IPv4-mapped");
    error_contains("ip('not an ip')", "parse error");
}

#[test]
fn cidr() {
    is_true(&[
        "isCIDR('192.168.0.0/24') && isCIDR('2001:db8::/32')",
        "!isCIDR('192.168.0.0') && !isCIDR('192.168.0.0/33') && !isCIDR('192.168.0.0/024')",
        "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))",
        "cidr('192.168.0.0/24').containsIP('192.168.0.255') && !cidr('192.168.0.0/24').containsIP('192.168.1.0')",
        "!cidr('192.168.0.0/24').containsIP('::1')",
        "cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))",
        "cidr('192.168.0.0/24').containsCIDR('192.168.0.128/25') && !cidr('192.168.0.0/24').containsCIDR('192.168.0.0/23')",
        "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')",
        "cidr('192.168.0.1/24').ip() == ip('192.168.0.1')",
        "cidr('192.168.0.0/24').prefixLength() == 24",
        "string(cidr('192.168.0.1/24')) == '192.168.0.1/24' && string(cidr('::1/128')) == '::1/128'",
        "cidr('0.0.0.0/0').containsIP('8.8.8.8')",
    ]);
}

#[test]
fn semver() {
    is_true(&[
        "isSemver('1.0.0') && isSemver('1.2.3-rc.1+build.5')",
        "!isSemver('v1.0.0') && !isSemver('1.0') && !isSemver('01.0.0') && !isSemver('1.0.0-01')",
        "isSemver('v1.0.0', true) && isSemver('1.0', true) && isSemver('v01.02', true)",
        "semver('v1.2', true) == semver('1.2.0')",
        "semver('1.2.3').major() == 1 && semver('1.2.3').minor() == 2 && semver('1.2.3').patch() == 3",
        "semver('1.0.0').isLessThan(semver('1.10.0'))",
        "semver('2.0.0').isGreaterThan(semver('1.99.99'))",
        "semver('1.0.0-alpha').isLessThan(semver('1.0.0'))",
        "semver('1.0.0-alpha').isLessThan(semver('1.0.0-alpha.1'))",
        "semver('1.0.0-alpha.beta').isLessThan(semver('1.0.0-beta'))",
        "semver('1.0.0-2').isLessThan(semver('1.0.0-11'))",
        "semver('1.0.0+a') == semver('1.0.0+b')",
        "semver('1.2.3').compareTo(semver('1.2.3')) == 0",
    ]);
    error_contains("semver('v1.0.0')", "");
}

#[test]
fn url() {
    is_true(&[
        "url('https://user:pass@example.com:80/path?query=val#fragment').getScheme() == 'https'",
        "url('https://example.com:80/path').getHost() == 'example.com:80'",
        "url('https://example.com:80/path').getHostname() == 'example.com'",
        "url('https://[::1]:80/path').getHostname() == '::1'",
        "url('https://[::1]:80/path').getPort() == '80' && url('https://example.com/').getPort() == ''",
        "url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'",
        "url('https://example.com/a%2Fb').getEscapedPath() == '/a%2Fb'",
        "url('https://example.com/?k=v&k=v2&x=a+b').getQuery() == {'k': ['v', 'v2'], 'x': ['a b']}",
        "url('/absolute-path').getHost() == '' && url('/absolute-path').getEscapedPath() == '/absolute-path'",
        "isURL('https://example.com') && isURL('/absolute-path') && isURL('mailto:someone@example.com')",
        "!isURL('relative/path') && !isURL('') && !isURL('https://example.com:port/') && !isURL('://x')",
        "!isURL('https://exa mple.com/') && !isURL('https://example.com/%zz')",
    ]);
}

#[test]
fn regex_and_strings() {
    is_true(&[
        "'abc 123'.find('[0-9]+') == '123' && 'abc'.find('[0-9]+') == ''",
        "'123 abc 456'.findAll('[0-9]+') == ['123', '456']",
        "'123 abc 456'.findAll('[0-9]+', 1) == ['123'] && '123'.findAll('x') == []",
        "'abc'.matches('^[a-z]+$') && matches('abc', 'b')",
        "'TacoCat'.lowerAscii() == 'tacocat' && 'TacoCat'.upperAscii() == 'TACOCAT'",
        "'hello'.charAt(1) == 'e' && 'hello'.charAt(5) == ''",
        "'hello hello'.indexOf('llo') == 2 && 'hello hello'.lastIndexOf('llo') == 8",
        "'a,b,c'.split(',', 2) == ['a', 'b,c'] && 'abc'.split('') == ['a', 'b', 'c']",
        "'  x  '.trim() == 'x' && 'hello'.substring(1, 3) == 'el'",
        "['a', 'b'].join('-') == 'a-b' && ['a', 'b'].join() == 'ab'",
        "'aaa'.replace('a', 'b', 2) == 'bba'",
        "strings.quote('a\"b') == '\"a\\\\\"b\"'",
    ]);
    error_contains("'abc'.find('[')", "invalid regular expression");
    error_contains("'abc'.charAt(4)", "index out of range");
}

#[test]
fn lists_and_sets() {
    is_true(&[
        "[1, 2, 3].isSorted() && !['a', 'c', 'b'].isSorted() && [].isSorted()",
        "[1, 2, 3].sum() == 6 && [1.5, 2.5].sum() == 4.0 && [].sum() == 0",
        "[3, 1, 2].min() == 1 && ['b', 'a'].max() == 'b'",
        "[1, 2, 2].indexOf(2) == 1 && [1, 2, 2].lastIndexOf(2) == 2 && [1].indexOf(5) == -1",
        "sets.contains([1, 2, 3], [1, 2]) && !sets.contains([1], [2])",
        "sets.equivalent([1, 2], [2, 1, 1]) && sets.intersects([1, 2], [2, 3]) && !sets.intersects([1], [2])",
        "[3, 1, 2].sort() == [1, 2, 3] && [1, 1, 2].distinct() == [1, 2] && [[1], [2, [3]]].flatten() == [1, 2, [3]]",
        "lists.range(3) == [0, 1, 2] && [1, 2, 3, 4].slice(1, 3) == [2, 3] && [1, 2].reverse() == [2, 1]",
    ]);
    error_contains("[].min()", "empty list");
    error_contains("[1, 'a'].isSorted()", "same type");
}

#[test]
fn two_variable_comprehensions() {
    is_true(&[
        "{'a': 1, 'b': 2}.all(k, v, v > 0 && k != '')",
        "[10, 20].exists(i, v, i == 1 && v == 20)",
        "[1, 2, 3].existsOne(i, v, v == 2) && ![1, 2, 2].existsOne(i, v, v == 2)",
        "[1, 2].transformList(i, v, i + v) == [1, 3]",
        "[1, 2, 3].transformList(i, v, v > 1, v * 10) == [20, 30]",
        "{'a': 1, 'b': 2}.transformMap(k, v, v * 2) == {'a': 2, 'b': 4}",
        "{'a': 1, 'b': 2}.transformMap(k, v, k == 'a', v) == {'a': 1}",
        "{'a': 1}.transformMapEntry(k, v, {k + '2': v}) == {'a2': 1}",
        // shadowing: the inner comprehension's `v` hides the outer one
        "{'a': [1, 2]}.all(k, v, v.all(v, v > 0))",
        // nested two-variable comprehensions
        "{'a': {'x': 1}}.all(k, v, v.all(k2, v2, k == 'a' && v2 == 1))",
    ]);
    error_contains(
        "[1, 2].transformMapEntry(i, v, {'same': v})",
        "already exists",
    );
}

#[test]
fn release_gating() {
    let at = |minor: u32, e: &str| compile(e, &Env::new(minor)).map(|_| ());
    assert_eq!(
        at(28, "quantity('1') == quantity('1')"),
        Err(CompileError::Unavailable {
            function: "quantity".into(),
            introduced: Some(29)
        })
    );
    assert_eq!(at(29, "quantity('1') == quantity('1')"), Ok(()));
    assert!(at(30, "ip('1.2.3.4').family() == 4").is_err());
    assert_eq!(at(31, "ip('1.2.3.4').family() == 4"), Ok(()));
    assert!(at(32, "{'a': 1}.all(k, v, v > 0)").is_err());
    assert_eq!(at(33, "{'a': 1}.all(k, v, v > 0)"), Ok(()));
    assert_eq!(at(24, "[1].all(x, x > 0)"), Ok(()));
    assert!(at(33, "semver('1.0.0').major() == 1").is_err());
    assert_eq!(at(34, "semver('1.0.0').major() == 1"), Ok(()));
    assert!(at(34, "[2, 1].sort() == [1, 2]").is_err());
    assert!(at(99, "math.greatest(1, 2) == 2").is_err());
    assert_eq!(
        at(35, "nosuchfunction(1)"),
        Err(CompileError::UnknownFunction("nosuchfunction".into()))
    );
}

#[test]
fn not_evaluable_is_said_not_guessed() {
    let env = env();
    for e in [
        "authorizer.group('apps').resource('deployments').check('create').allowed()",
        "'a'.format([])",
    ] {
        let p = compile(e, &env).expect(e);
        assert!(p.not_evaluable.is_some(), "{e}");
        assert!(
            matches!(eval_str(e, &env), Err(EvalError::NotEvaluable(_))),
            "{e}"
        );
    }
}
