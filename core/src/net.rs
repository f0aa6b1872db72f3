//! Network arithmetic: whether an address lies in a network (§5.6's
//! CIDR matching), and a network's first address.

use core::net::IpAddr;

/// Whether `ip` lies in `net`/len; IPv4 and IPv6 never match each other.
#[inline]
pub(crate) fn in_network(ip: IpAddr, net: IpAddr, v4_len: u8, v6_len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => (u32::from(a) ^ u32::from(n)) & mask4(v4_len) == 0,
        (IpAddr::V6(a), IpAddr::V6(n)) => (u128::from(a) ^ u128::from(n)) & mask6(v6_len) == 0,
        _ => false,
    }
}

/// The IPv4 netmask of a prefix length (capped at 32).
#[inline]
fn mask4(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len.min(32))).unwrap_or(0)
}

/// The IPv6 netmask of a prefix length (capped at 128).
#[inline]
fn mask6(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len.min(128))).unwrap_or(0)
}

/// The first address of the network of `addr` with prefix length `prefix`.
#[inline]
pub(crate) fn network_start(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask4(prefix)).into()),
        IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask6(prefix)).into()),
    }
}
