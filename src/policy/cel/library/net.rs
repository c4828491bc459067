//! `kubernetes.net.ip` and `kubernetes.net.cidr` (k8s.io/apiserver/pkg/cel/library/ip.go,
//! cidr.go). Go's `netip` semantics: no zones, no IPv4-mapped IPv6 addresses (the library rejects
//! them), no leading zeros in IPv4 octets.

use super::{Ret, as_str, boolean, err, int, no_overload, string};
use cel::common::types::{CelString, DYN_TYPE, Type};
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Clone, Debug, PartialEq)]
pub struct KIp(pub IpAddr);

impl KIp {
    fn same(&self, o: &KIp) -> bool {
        self == o
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct KCidr {
    pub addr: IpAddr,
    pub bits: u8,
}

impl KCidr {
    fn same(&self, o: &KCidr) -> bool {
        self == o
    }
}

super::opaque_val!(KIp, IP_TYPE, "net.IP");
super::opaque_val!(KCidr, CIDR_TYPE, "net.CIDR");

fn ip_type() -> Type {
    KIp::cel_type_owned()
}

fn cidr_type() -> Type {
    KCidr::cel_type_owned()
}

pub fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let d = || DYN_TYPE;
    env.add_overload("ip", "string_to_ip", vec![d()], ip)?;
    env.add_overload("isIP", "is_ip", vec![d()], is_ip)?;
    env.add_overload("ip.isCanonical", "ip_is_canonical", vec![d()], is_canonical)?;
    env.add_overload("cidr", "string_to_cidr", vec![d()], cidr)?;
    env.add_overload("isCIDR", "is_cidr", vec![d()], is_cidr)?;
    // `string(ip)` / `string(cidr)`: typed overloads next to the standard ones
    env.add_overload("string", "ip_to_string", vec![ip_type()], to_string)?;
    env.add_overload("string", "cidr_to_string", vec![cidr_type()], to_string)?;
    env.add_member_overload("family", "family", d(), vec![], family)?;
    for (name, f) in [
        (
            "isUnspecified",
            is_unspecified as cel::common::functions::Function,
        ),
        ("isLoopback", is_loopback),
        ("isLinkLocalMulticast", is_link_local_multicast),
        ("isLinkLocalUnicast", is_link_local_unicast),
        ("isGlobalUnicast", is_global_unicast),
    ] {
        env.add_member_overload(name, name, ip_type(), vec![], f)?;
    }
    // `cidr.ip()`: a member `ip`, next to the global `ip(string)`
    env.add_member_overload("ip", "cidr_ip", cidr_type(), vec![], cidr_ip)?;
    env.add_member_overload(
        "containsIP",
        "containsIP",
        cidr_type(),
        vec![d()],
        contains_ip,
    )?;
    env.add_member_overload(
        "containsCIDR",
        "containsCIDR",
        cidr_type(),
        vec![d()],
        contains_cidr,
    )?;
    env.add_member_overload("masked", "masked", cidr_type(), vec![], masked)?;
    env.add_member_overload(
        "prefixLength",
        "prefixLength",
        cidr_type(),
        vec![],
        prefix_length,
    )?;
    Ok(())
}

/// Parses an address as ip.go's `parseIPAddr`: `netip.ParseAddr`, then no zone and no
/// IPv4-mapped IPv6.
pub fn parse_ip(s: &str) -> Result<IpAddr, String> {
    if s.contains('%') {
        return Err(format!("IP address with zone value is not allowed: {s}"));
    }
    let addr: IpAddr = s
        .parse()
        .map_err(|_| format!("IP Address {s:?} parse error during conversion from string"))?;
    if let IpAddr::V6(v6) = addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("IPv4-mapped IPv6 address is not allowed: {s}"));
    }
    Ok(addr)
}

/// `netip.ParsePrefix` + the same restrictions.
pub fn parse_cidr(s: &str) -> Result<KCidr, String> {
    let bad = || format!("network address parse error during conversion from string: {s:?}");
    let (a, b) = s.split_once('/').ok_or_else(bad)?;
    let addr = parse_ip(a).map_err(|_| bad())?;
    // Go: decimal, no sign, no leading zeros
    if b.is_empty()
        || b.len() > 3
        || !b.bytes().all(|c| c.is_ascii_digit())
        || (b.len() > 1 && b.starts_with('0'))
    {
        return Err(bad());
    }
    let bits: u8 = b.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if bits > max {
        return Err(bad());
    }
    Ok(KCidr { addr, bits })
}

fn str_arg<'a>(f: &str, args: &'a [CowVal<'_, '_>]) -> Result<&'a str, ExecutionError> {
    args.first()
        .and_then(|a| as_str(a.as_ref()))
        .ok_or_else(|| no_overload(f, args))
}

fn ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = str_arg("ip", &args)?;
    Ok(CowVal::owned(KIp(parse_ip(s).map_err(|e| err("ip", e))?)))
}

fn is_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(parse_ip(str_arg("isIP", &args)?).is_ok())
}

fn is_canonical<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = str_arg("ip.isCanonical", &args)?;
    let a = parse_ip(s).map_err(|e| err("ip.isCanonical", e))?;
    boolean(a.to_string() == s)
}

fn cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let s = str_arg("cidr", &args)?;
    Ok(CowVal::owned(parse_cidr(s).map_err(|e| err("cidr", e))?))
}

fn is_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(parse_cidr(str_arg("isCIDR", &args)?).is_ok())
}

fn to_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let v = args.first().ok_or_else(|| no_overload("string", &args))?;
    if let Some(ip) = v.downcast_ref::<KIp>() {
        return string(ip.0.to_string());
    }
    if let Some(c) = v.downcast_ref::<KCidr>() {
        return string(format!("{}/{}", c.addr, c.bits));
    }
    Err(no_overload("string", &args))
}

fn this_ip(f: &str, args: &[CowVal<'_, '_>]) -> Result<IpAddr, ExecutionError> {
    args.first()
        .and_then(|a| a.downcast_ref::<KIp>())
        .map(|i| i.0)
        .ok_or_else(|| no_overload(f, args))
}

fn this_cidr<'a>(f: &str, args: &'a [CowVal<'_, '_>]) -> Result<&'a KCidr, ExecutionError> {
    args.first()
        .and_then(|a| a.downcast_ref::<KCidr>())
        .ok_or_else(|| no_overload(f, args))
}

fn family<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    if let Some(ip) = args.first().and_then(|a| a.downcast_ref::<KIp>()) {
        return int(if ip.0.is_ipv4() { 4 } else { 6 });
    }
    Err(no_overload("family", &args))
}

fn is_unspecified<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(this_ip("isUnspecified", &args)?.is_unspecified())
}

fn is_loopback<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(this_ip("isLoopback", &args)?.is_loopback())
}

fn link_local_multicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            o[0] == 224 && o[1] == 0 && o[2] == 0
        }
        IpAddr::V6(v6) => {
            let o = v6.octets();
            o[0] == 0xff && o[1] & 0x0f == 0x02
        }
    }
}

fn link_local_unicast(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            o[0] == 169 && o[1] == 254
        }
        IpAddr::V6(v6) => {
            let o = v6.octets();
            o[0] == 0xfe && o[1] & 0xc0 == 0x80
        }
    }
}

fn is_link_local_multicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(link_local_multicast(this_ip(
        "isLinkLocalMulticast",
        &args,
    )?))
}

fn is_link_local_unicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    boolean(link_local_unicast(this_ip("isLinkLocalUnicast", &args)?))
}

/// Go's `netip.Addr.IsGlobalUnicast`: not unspecified, loopback, multicast, link-local unicast,
/// nor the IPv4 broadcast address. Private addresses are global unicast.
fn is_global_unicast<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let ip = this_ip("isGlobalUnicast", &args)?;
    let broadcast = ip == IpAddr::V4(Ipv4Addr::BROADCAST);
    boolean(
        !(ip.is_unspecified()
            || ip.is_loopback()
            || ip.is_multicast()
            || link_local_unicast(ip)
            || broadcast),
    )
}

fn cidr_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    Ok(CowVal::owned(KIp(this_cidr("ip", &args)?.addr)))
}

fn mask(addr: IpAddr, bits: u8) -> IpAddr {
    match addr {
        IpAddr::V4(v4) => {
            let m = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            IpAddr::V4(Ipv4Addr::from(u32::from(v4) & m))
        }
        IpAddr::V6(v6) => {
            let m = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(v6) & m))
        }
    }
}

fn contains(c: &KCidr, ip: IpAddr) -> bool {
    c.addr.is_ipv4() == ip.is_ipv4() && mask(ip, c.bits) == mask(c.addr, c.bits)
}

fn contains_ip<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let c = this_cidr("containsIP", &args)?;
    let other = args
        .get(1)
        .ok_or_else(|| no_overload("containsIP", &args))?;
    let ip = if let Some(ip) = other.downcast_ref::<KIp>() {
        ip.0
    } else if let Some(s) = other.downcast_ref::<CelString>() {
        parse_ip(s.inner()).map_err(|e| err("containsIP", e))?
    } else {
        return Err(no_overload("containsIP", &args));
    };
    boolean(contains(c, ip))
}

fn contains_cidr<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let c = this_cidr("containsCIDR", &args)?;
    let other = args
        .get(1)
        .ok_or_else(|| no_overload("containsCIDR", &args))?;
    let o = if let Some(o) = other.downcast_ref::<KCidr>() {
        o.clone()
    } else if let Some(s) = other.downcast_ref::<CelString>() {
        parse_cidr(s.inner()).map_err(|e| err("containsCIDR", e))?
    } else {
        return Err(no_overload("containsCIDR", &args));
    };
    boolean(o.bits >= c.bits && contains(c, o.addr))
}

fn masked<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    let c = this_cidr("masked", &args)?;
    Ok(CowVal::owned(KCidr {
        addr: mask(c.addr, c.bits),
        bits: c.bits,
    }))
}

fn prefix_length<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Ret<'b, 'v> {
    int(i64::from(this_cidr("prefixLength", &args)?.bits))
}
