//! Kubernetes resource quantities (`500m`, `1.5Gi`, `1e3`), parsed as apimachinery's
//! `resource.ParseQuantity` does, with its error texts, and compared exactly (no floating point).

use std::cmp::Ordering;

/// apimachinery's `ErrFormatWrong`.
pub const FORMAT_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// apimachinery's `ErrSuffix`.
pub const SUFFIX_ERROR: &str = "unable to parse quantity's suffix";

/// Exponents beyond this are not compared (no real quantity comes near).
const MAX_EXPONENT: i64 = 400;

/// `mantissa × 10^exp10 × 2^exp2`, with a sign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    pub negative: bool,
    mantissa: Big,
    exp10: i64,
    exp2: i64,
}

/// Parses a quantity as the API server's JSON decoder does (the text is trimmed first).
pub fn parse(text: &str) -> Result<Quantity, &'static str> {
    let s = text.trim();
    if s.is_empty() {
        return Err(FORMAT_ERROR);
    }
    let b = s.as_bytes();
    let mut pos = 0;
    let mut negative = false;
    match b[0] {
        b'-' => {
            negative = true;
            pos += 1;
        }
        b'+' => pos += 1,
        _ => {}
    }
    let digits_from =
        |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let num_end = digits_from(pos);
    let num = &s[pos..num_end];
    pos = num_end;
    let mut denom = "";
    if pos < b.len() && b[pos] == b'.' {
        let denom_end = digits_from(pos + 1);
        denom = &s[pos + 1..denom_end];
        pos = denom_end;
    }
    let suffix_start = pos;
    pos += b[pos..]
        .iter()
        .take_while(|c| b"eEinumkKMGTP".contains(c))
        .count();
    if pos < b.len() && matches!(b[pos], b'-' | b'+') {
        pos += 1;
    }
    pos = digits_from(pos);
    if pos != b.len() {
        return Err(FORMAT_ERROR);
    }
    let (exp10, exp2) = interpret_suffix(&s[suffix_start..]).ok_or(SUFFIX_ERROR)?;
    let mut mantissa = Big::default();
    for d in num.bytes().chain(denom.bytes()) {
        mantissa.mul_add(10, u32::from(d - b'0'));
    }
    Ok(Quantity {
        negative: negative && !mantissa.is_zero(),
        mantissa,
        exp10: exp10 - denom.len() as i64,
        exp2,
    })
}

/// The suffix's power of ten and power of two.
fn interpret_suffix(suffix: &str) -> Option<(i64, i64)> {
    Some(match suffix {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            // Go's strconv.ParseInt(rest, 10, 64): optional sign, then digits.
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            (rest.parse::<i64>().ok()?, 0)
        }
    })
}

impl Quantity {
    pub fn is_zero(&self) -> bool {
        self.mantissa.is_zero()
    }

    /// Exact comparison; `None` for absurd exponents.
    pub fn compare(&self, other: &Quantity) -> Option<Ordering> {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Some(Ordering::Equal),
            (true, false) => {
                return Some(if other.negative {
                    Ordering::Greater
                } else {
                    Ordering::Less
                });
            }
            (false, true) => {
                return Some(if self.negative {
                    Ordering::Less
                } else {
                    Ordering::Greater
                });
            }
            _ => {}
        }
        if self.negative != other.negative {
            return Some(if self.negative {
                Ordering::Less
            } else {
                Ordering::Greater
            });
        }
        let (a, b) = self.aligned(other)?;
        let magnitude = a.cmp(&b);
        Some(if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        })
    }

    /// Whether the value is a whole number (memory must be whole bytes).
    pub fn is_integer(&self) -> bool {
        if self.exp10 >= 0 || self.is_zero() {
            return true;
        }
        if -self.exp10 > MAX_EXPONENT || self.exp2 > MAX_EXPONENT {
            return false;
        }
        let mut m = self.mantissa.clone();
        for _ in 0..self.exp2.max(0) {
            m.mul_add(2, 0);
        }
        (0..-self.exp10).all(|_| m.div_rem(10) == 0)
    }
}

/// A small unsigned big integer: base 2^32 limbs, least significant first, no trailing zeros.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// `self = self * mul + add`.
    fn mul_add(&mut self, mul: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(mul) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// Divides in place; returns the remainder.
    fn div_rem(&mut self, div: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.0.iter_mut().rev() {
            let v = (rem << 32) | u64::from(*limb);
            *limb = (v / u64::from(div)) as u32;
            rem = v % u64::from(div);
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        rem as u32
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Big) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

// CEL: the arithmetic and conversions of the CEL quantity library (k8s.io/apiserver/pkg/cel/
// library/quantity.go). Exact, like apimachinery's inf.Dec arithmetic.
impl Quantity {
    /// -1, 0 or 1.
    pub fn sign(&self) -> i64 {
        if self.is_zero() {
            0
        } else if self.negative {
            -1
        } else {
            1
        }
    }

    /// A whole quantity from an integer.
    pub fn from_i64(v: i64) -> Quantity {
        let mut mantissa = Big::default();
        let m = v.unsigned_abs();
        mantissa.mul_add(1, (m & 0xffff_ffff) as u32);
        let mut hi = Big::default();
        hi.mul_add(1, (m >> 32) as u32);
        for _ in 0..32 {
            hi.mul_add(2, 0);
        }
        let mantissa = Big::add(&mantissa, &hi);
        Quantity {
            negative: v < 0,
            mantissa,
            exp10: 0,
            exp2: 0,
        }
    }

    pub fn neg(&self) -> Quantity {
        Quantity {
            negative: !self.negative && !self.is_zero(),
            ..self.clone()
        }
    }

    /// Both mantissas scaled to the smaller of each exponent, so that they compare and add
    /// digit for digit; `None` for absurd exponents.
    fn aligned(&self, other: &Quantity) -> Option<(Big, Big)> {
        let e10 = self.exp10.min(other.exp10);
        let e2 = self.exp2.min(other.exp2);
        let scale = |q: &Quantity| -> Option<Big> {
            let (d10, d2) = (q.exp10 - e10, q.exp2 - e2);
            if d10 > MAX_EXPONENT || d2 > MAX_EXPONENT {
                return None;
            }
            let mut m = q.mantissa.clone();
            for _ in 0..d10 {
                m.mul_add(10, 0);
            }
            for _ in 0..d2 {
                m.mul_add(2, 0);
            }
            Some(m)
        };
        Some((scale(self)?, scale(other)?))
    }

    /// `self + other`, exactly; `None` for absurd exponents.
    pub fn add(&self, other: &Quantity) -> Option<Quantity> {
        let (a, b) = self.aligned(other)?;
        let (e10, e2) = (self.exp10.min(other.exp10), self.exp2.min(other.exp2));
        let (negative, mantissa) = if self.negative == other.negative {
            (self.negative, Big::add(&a, &b))
        } else if a >= b {
            (self.negative, Big::sub(&a, &b))
        } else {
            (other.negative, Big::sub(&b, &a))
        };
        Some(Quantity {
            negative: negative && !mantissa.is_zero(),
            mantissa,
            exp10: e10,
            exp2: e2,
        })
    }

    /// The value as an `i64` when it is whole and fits (apimachinery's `AsInt64`).
    pub fn to_i64(&self) -> Option<i64> {
        if !self.is_integer() || self.exp10 > 40 || self.exp2 > 130 || self.exp2 < 0 {
            // (a negative power of two with an integer value cannot happen for real inputs)
            return if self.is_zero() { Some(0) } else { None };
        }
        let mut m = self.mantissa.clone();
        for _ in 0..self.exp2 {
            m.mul_add(2, 0);
        }
        if self.exp10 >= 0 {
            for _ in 0..self.exp10 {
                m.mul_add(10, 0);
            }
        } else {
            for _ in 0..-self.exp10 {
                m.div_rem(10);
            }
        }
        let v = m.to_u128()?;
        if self.negative {
            if v <= 1u128 << 63 {
                Some((v as i128).wrapping_neg() as i64)
            } else {
                None
            }
        } else {
            i64::try_from(v).ok()
        }
    }

    /// The nearest `f64` (apimachinery's `AsApproximateFloat64`).
    pub fn to_f64(&self) -> f64 {
        let mut m = 0f64;
        for limb in self.mantissa.0.iter().rev() {
            m = m * 4294967296.0 + f64::from(*limb);
        }
        let v = m
            * 10f64.powi(self.exp10.clamp(-400, 400) as i32)
            * 2f64.powi(self.exp2.clamp(-2000, 2000) as i32);
        if self.negative { -v } else { v }
    }
}

impl Big {
    fn add(a: &Big, b: &Big) -> Big {
        let mut out = Vec::with_capacity(a.0.len().max(b.0.len()) + 1);
        let mut carry = 0u64;
        for i in 0..a.0.len().max(b.0.len()) {
            let v =
                u64::from(*a.0.get(i).unwrap_or(&0)) + u64::from(*b.0.get(i).unwrap_or(&0)) + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry > 0 {
            out.push(carry as u32);
        }
        let mut r = Big(out);
        r.trim();
        r
    }

    /// `a - b` for `a >= b`.
    fn sub(a: &Big, b: &Big) -> Big {
        let mut out = Vec::with_capacity(a.0.len());
        let mut borrow = 0i64;
        for i in 0..a.0.len() {
            let mut v = i64::from(a.0[i]) - i64::from(*b.0.get(i).unwrap_or(&0)) - borrow;
            borrow = 0;
            if v < 0 {
                v += 1 << 32;
                borrow = 1;
            }
            out.push(v as u32);
        }
        let mut r = Big(out);
        r.trim();
        r
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    fn to_u128(&self) -> Option<u128> {
        if self.0.len() > 4 {
            return None;
        }
        Some(
            self.0
                .iter()
                .rev()
                .fold(0u128, |acc, l| (acc << 32) | u128::from(*l)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_like_apimachinery() {
        for ok in [
            "0", "1", "500m", "1.5Gi", "1e3", "1E3", "1E", "100Mi", "+2", "-1", ".5", "1.", "0.1",
            " 2 ", "5n", "7u", "3Ei", "1e-3", "1e+3",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        for (bad, err) in [
            ("", FORMAT_ERROR),
            ("512MB", FORMAT_ERROR),
            ("1GiB", FORMAT_ERROR),
            ("1gb", FORMAT_ERROR),
            ("abc", FORMAT_ERROR),
            ("1 Gi", FORMAT_ERROR),
            ("1K", SUFFIX_ERROR),
            ("1mi", SUFFIX_ERROR),
            ("1e", SUFFIX_ERROR),
            ("1Gi3", SUFFIX_ERROR),
        ] {
            assert_eq!(parse(bad), Err(err), "{bad}");
        }
    }

    #[test]
    fn compares_exactly() {
        assert_eq!(q("100m").compare(&q("0.1")), Some(Ordering::Equal));
        assert_eq!(q("1Gi").compare(&q("1G")), Some(Ordering::Greater));
        assert_eq!(q("1024Mi").compare(&q("1Gi")), Some(Ordering::Equal));
        assert_eq!(q("2").compare(&q("1500m")), Some(Ordering::Greater));
        assert_eq!(q("1e3").compare(&q("1k")), Some(Ordering::Equal));
        assert_eq!(q("-1").compare(&q("0")), Some(Ordering::Less));
        assert_eq!(q("-2").compare(&q("-1")), Some(Ordering::Less));
        assert_eq!(q("0.000000001").compare(&q("1n")), Some(Ordering::Equal));
    }

    #[test]
    fn whole_numbers() {
        assert!(q("1Gi").is_integer());
        assert!(q("0.5Ki").is_integer());
        assert!(q("1.5k").is_integer());
        assert!(!q("512m").is_integer());
        assert!(!q("1.5").is_integer());
        assert!(q("1000m").is_integer());
    }

    #[test]
    fn cel_arithmetic() {
        assert_eq!(q("1Gi").to_i64(), Some(1 << 30));
        assert_eq!(q("1500m").to_i64(), None);
        assert_eq!(q("-3k").to_i64(), Some(-3000));
        assert_eq!(q("10E").to_i64(), None); // 1e19 > i64::MAX
        assert_eq!(
            q("1k").add(&q("500m")).map(|x| x.compare(&q("1000.5"))),
            Some(Some(Ordering::Equal))
        );
        assert_eq!(q("1").add(&q("-1")).map(|x| x.sign()), Some(0));
        assert_eq!(q("1").add(&q("-2")).map(|x| x.sign()), Some(-1));
        assert_eq!(q("1Ki").add(&q("1k")).and_then(|x| x.to_i64()), Some(2024));
        assert_eq!(
            Quantity::from_i64(-5_000_000_000).compare(&q("-5G")),
            Some(Ordering::Equal)
        );
        assert!((q("1.5Gi").to_f64() - 1610612736.0).abs() < 1e-3);
        assert_eq!(q("-0.5").to_f64(), -0.5);
    }
}
