import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type Ip = ipaddr.IPv4 | ipaddr.IPv6;

/** One address or CIDR range: the address and its prefix length (32 or 128 for a single address). */
export type IpRange = [Ip, number];

/**
 * Parses `a.b.c.d`, `a.b.c.d/n`, an IPv6 address or `x::y/n`. The address part must be an
 * address as Node reads it (`net.isIP`: no shorthand such as `10.1` or hex); null otherwise.
 */
export function parseIpRange(raw: string): IpRange | null {
  const parts = raw.trim().split('/');
  const [address, bits] = parts;
  if (parts.length > 2 || !address || isIP(address) === 0) return null;
  const ip = ipaddr.parse(address);
  const max = ip.kind() === 'ipv4' ? 32 : 128;
  if (bits === undefined) return [ip, max];
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return null;
  return [ip, Number(bits)];
}

/** The address as an IPv4 when it is an IPv4-mapped IPv6 (`::ffff:127.0.0.1`), else as it is. */
export function normaliseIp(address: string): Ip {
  return ipaddr.process(address);
}

/** Whether the address (either family, IPv4-mapped read as IPv4) lies in the range. */
export function inIpRange(address: string | Ip, range: IpRange): boolean {
  const ip = typeof address === 'string' ? normaliseIp(address) : address;
  const [base, bits] = range;
  const net = base.kind() === 'ipv6' && (base as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96
    ? [(base as ipaddr.IPv6).toIPv4Address(), bits - 96] as const
    : [base, bits] as const;
  if (ip.kind() !== net[0].kind()) return false;
  return ip.match(net[0], net[1]);
}
