package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// ErrRefusedAddress means a webhook URL names, or resolves to, an address the
// service must not call.
var ErrRefusedAddress = errors.New("address refused")

// refusedPrefixes are the ranges beyond what netip's predicates cover: shared
// address space (carrier NAT, and Alibaba Cloud's metadata at 100.100.100.200),
// "this network", IETF protocol assignments, benchmarking, reserved, and
// the Azure host endpoint.
var refusedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("168.63.129.16/32"),
}

// nat64 is the well-known NAT64 prefix: its addresses carry an IPv4 address in the
// last 32 bits, which is what gets reached.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// checkAddr refuses loopback, private (RFC 1918, fc00::/7 — which holds AWS's
// fd00:ec2::254), link-local (169.254.0.0/16 holds most clouds' metadata service),
// unspecified, multicast and the ranges above.
func checkAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	refused := !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified()
	for _, p := range refusedPrefixes {
		refused = refused || p.Contains(ip)
	}
	if refused {
		return fmt.Errorf("%w: %s is loopback, private, link-local or reserved (set WXINVITE_WEBHOOK_ALLOW_PRIVATE=true to allow)", ErrRefusedAddress, ip)
	}
	return nil
}

// dialControl checks the address a connection is about to be made to, after DNS
// resolution: the last word on where a request goes.
func dialControl(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRefusedAddress, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrRefusedAddress, err)
	}
	return checkAddr(ip)
}

// Resolver finds a host's addresses; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// checkHost resolves the URL's host and refuses it if any of its addresses is refused.
func checkHost(ctx context.Context, r Resolver, u *url.URL) error {
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		return checkAddr(ip)
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("%w: cannot resolve %s: %v", ErrRefusedAddress, host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%w: %s has no address", ErrRefusedAddress, host)
	}
	for _, ip := range addrs {
		if err := checkAddr(ip); err != nil {
			return fmt.Errorf("%s resolves to a refused address: %w", host, err)
		}
	}
	return nil
}
