//! Which addresses a request may connect to (SECURITY.md 1.5): GoToSocial's
//! reserved lists. Everything not clearly public on the Internet is refused:
//! loopback, private networks, link-local (cloud metadata services live
//! there), carrier-grade NAT, documentation and benchmark ranges, multicast
//! and the reserved 240/4 block. IPv6 is allowed only inside the global
//! unicast block 2000::/3, minus its special-purpose parts; IPv6 spellings
//! that carry an IPv4 address (mapped, compatible, NAT64) are judged by that
//! IPv4 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IPv4 networks (address, prefix length) no request may reach.
const RESERVED_V4: &[([u8; 4], u32)] = &[
    ([0, 0, 0, 0], 8),       // "this network"
    ([10, 0, 0, 0], 8),      // private
    ([100, 64, 0, 0], 10),   // carrier-grade NAT
    ([127, 0, 0, 0], 8),     // loopback
    ([169, 254, 0, 0], 16),  // link-local, cloud metadata
    ([172, 16, 0, 0], 12),   // private
    ([192, 0, 0, 0], 24),    // IETF protocol assignments
    ([192, 0, 2, 0], 24),    // TEST-NET-1
    ([192, 31, 196, 0], 24), // AS112
    ([192, 52, 193, 0], 24), // AMT
    ([192, 88, 99, 0], 24),  // 6to4 relay anycast
    ([192, 168, 0, 0], 16),  // private
    ([192, 175, 48, 0], 24), // AS112 direct delegation
    ([198, 18, 0, 0], 15),   // benchmarking
    ([198, 51, 100, 0], 24), // TEST-NET-2
    ([203, 0, 113, 0], 24),  // TEST-NET-3
    ([224, 0, 0, 0], 4),     // multicast
    ([240, 0, 0, 0], 4),     // reserved, and 255.255.255.255
];

/// The only IPv6 block with public unicast addresses.
const GLOBAL_V6: (u128, u32) = (0x2000 << 112, 3);

/// Special-purpose parts of 2000::/3.
const RESERVED_V6: &[(u128, u32)] = &[
    (0x2001 << 112, 23),                    // IETF protocol assignments (Teredo, ORCHID, …)
    ((0x2001 << 112) | (0x0db8 << 96), 32), // documentation
    (0x2002 << 112, 16),                    // 6to4
    ((0x2620 << 112) | (0x004f << 96) | (0x8000 << 80), 48), // AS112-v6
];

/// NAT64 well-known prefix 64:ff9b::/96: the last 32 bits are an IPv4 address.
const NAT64: (u128, u32) = ((0x0064 << 112) | (0xff9b << 96), 96);

fn in_net(addr: u128, net: u128, prefix: u32, width: u32) -> bool {
    let shift = width - prefix;
    if shift >= width {
        return true;
    }
    (addr >> shift) == (net >> shift)
}

fn v4_is_public(ip: Ipv4Addr) -> bool {
    let addr = u32::from(ip) as u128;
    !RESERVED_V4.iter().any(|(net, prefix)| in_net(addr, u32::from_be_bytes(*net) as u128, *prefix, 32))
}

/// The IPv4 address an IPv6 address stands for, if it is one of the forms
/// that carry one: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
/// (::a.b.c.d, which includes :: and ::1) and NAT64 (64:ff9b::a.b.c.d).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let addr = u128::from(ip);
    let low = Ipv4Addr::from((addr & 0xffff_ffff) as u32);
    let high = addr >> 32;
    if high == 0 || high == 0xffff || in_net(addr, NAT64.0, NAT64.1, 128) { Some(low) } else { None }
}

fn v6_is_public(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return v4_is_public(v4);
    }
    let addr = u128::from(ip);
    in_net(addr, GLOBAL_V6.0, GLOBAL_V6.1, 128)
        && !RESERVED_V6.iter().any(|(net, prefix)| in_net(addr, *net, *prefix, 128))
}

/// True when a request may connect to `ip`: a public unicast address.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_is_public(v4),
        IpAddr::V6(v6) => v6_is_public(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public_address(s.parse().unwrap_or_else(|_| panic!("bad test address {s}")))
    }

    /// Each reserved IPv4 network: its first and last address are refused,
    /// the addresses just outside it (when not themselves reserved) allowed.
    #[test]
    fn every_reserved_v4_range_and_its_edges() {
        let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
            // (first, last, just below, just above)
            ("0.0.0.0", "0.255.255.255", None, Some("1.0.0.0")),
            ("10.0.0.0", "10.255.255.255", Some("9.255.255.255"), Some("11.0.0.0")),
            ("100.64.0.0", "100.127.255.255", Some("100.63.255.255"), Some("100.128.0.0")),
            ("127.0.0.0", "127.255.255.255", Some("126.255.255.255"), Some("128.0.0.0")),
            ("169.254.0.0", "169.254.255.255", Some("169.253.255.255"), Some("169.255.0.0")),
            ("172.16.0.0", "172.31.255.255", Some("172.15.255.255"), Some("172.32.0.0")),
            ("192.0.0.0", "192.0.0.255", Some("191.255.255.255"), Some("192.0.1.0")),
            ("192.0.2.0", "192.0.2.255", Some("192.0.1.255"), Some("192.0.3.0")),
            ("192.31.196.0", "192.31.196.255", Some("192.31.195.255"), Some("192.31.197.0")),
            ("192.52.193.0", "192.52.193.255", Some("192.52.192.255"), Some("192.52.194.0")),
            ("192.88.99.0", "192.88.99.255", Some("192.88.98.255"), Some("192.88.100.0")),
            ("192.168.0.0", "192.168.255.255", Some("192.167.255.255"), Some("192.169.0.0")),
            ("192.175.48.0", "192.175.48.255", Some("192.175.47.255"), Some("192.175.49.0")),
            ("198.18.0.0", "198.19.255.255", Some("198.17.255.255"), Some("198.20.0.0")),
            ("198.51.100.0", "198.51.100.255", Some("198.51.99.255"), Some("198.51.101.0")),
            ("203.0.113.0", "203.0.113.255", Some("203.0.112.255"), Some("203.0.114.0")),
            ("224.0.0.0", "239.255.255.255", Some("223.255.255.255"), None),
            ("240.0.0.0", "255.255.255.255", None, None),
        ];
        for (first, last, below, above) in cases {
            assert!(!public(first), "{first} must be refused");
            assert!(!public(last), "{last} must be refused");
            if let Some(b) = below {
                assert!(public(b), "{b} must be allowed");
            }
            if let Some(a) = above {
                assert!(public(a), "{a} must be allowed");
            }
        }
        assert_eq!(RESERVED_V4.len(), cases.len());
    }

    #[test]
    fn ordinary_v4_addresses_are_public() {
        for ip in ["1.1.1.1", "8.8.8.8", "93.184.216.34", "192.0.1.1", "223.255.255.255", "100.63.0.1"] {
            assert!(public(ip), "{ip}");
        }
        for ip in ["169.254.169.254", "255.255.255.255", "127.0.0.1", "100.64.1.1", "198.18.0.1", "240.0.0.1"]
        {
            assert!(!public(ip), "{ip}");
        }
    }

    #[test]
    fn v6_only_inside_global_unicast() {
        // Outside 2000::/3: unspecified, loopback, link-local, unique-local,
        // multicast, discard, and the last address below 2000::.
        for ip in [
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "100::1",
            "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "4000::",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
        // Inside 2000::/3, first and last address.
        assert!(public("2000::"));
        assert!(public("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        assert!(public("2a00:1450:4001:80b::200e"));
        assert!(public("2606:4700::1111"));
    }

    #[test]
    fn every_reserved_v6_range_and_its_edges() {
        let cases: &[(&str, &str, &str, &str)] = &[
            // 2001::/23
            (
                "2001::",
                "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
                "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "2001:200::",
            ),
            // 2001:db8::/32
            (
                "2001:db8::",
                "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
                "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
                "2001:db9::",
            ),
            // 2002::/16
            (
                "2002::",
                "2002:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "2003::",
            ),
            // 2620:4f:8000::/48
            (
                "2620:4f:8000::",
                "2620:4f:8000:ffff:ffff:ffff:ffff:ffff",
                "2620:4f:7fff:ffff:ffff:ffff:ffff:ffff",
                "2620:4f:8001::",
            ),
        ];
        for (first, last, below, above) in cases {
            assert!(!public(first), "{first} must be refused");
            assert!(!public(last), "{last} must be refused");
            assert!(public(below), "{below} must be allowed");
            assert!(public(above), "{above} must be allowed");
        }
        assert_eq!(RESERVED_V6.len(), cases.len());
        // Teredo sits inside 2001::/23.
        assert!(!public("2001:0:4136:e378::1"));
    }

    #[test]
    fn v6_forms_carrying_v4_are_judged_as_v4() {
        // IPv4-mapped.
        assert!(!public("::ffff:127.0.0.1"));
        assert!(!public("::ffff:10.0.0.1"));
        assert!(!public("::ffff:169.254.169.254"));
        assert!(!public("::ffff:0:0"));
        assert!(public("::ffff:8.8.8.8"));
        // IPv4-compatible (deprecated, but a resolver may still return it).
        assert!(!public("::127.0.0.1"));
        assert!(!public("::192.168.1.1"));
        assert!(public("::8.8.8.8"));
        // NAT64 well-known prefix.
        assert!(!public("64:ff9b::a00:1"));
        assert!(!public("64:ff9b::127.0.0.1"));
        assert!(!public("64:ff9b::"));
        assert!(public("64:ff9b::8.8.8.8"));
        // Outside 64:ff9b::/96: not unwrapped, and outside 2000::/3.
        assert!(!public("64:ff9b:1::8.8.8.8"));
        assert!(!public("64:ff9a::808:808"));
        // ::fffe:… and ::1:… are not mapped forms.
        assert!(!public("::fffe:808:808"));
        assert!(!public("::1:808:808"));
    }
}
