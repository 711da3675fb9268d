import t from 'tap';
import { addressLimitKey } from '../../../src/access/address-limit-key.js';

const cases = [
  { name: 'IPv4 as is', input: '203.0.113.7', expected: '203.0.113.7' },
  { name: 'IPv4-mapped IPv6 is the IPv4 address', input: '::ffff:203.0.113.7', expected: '203.0.113.7' },
  { name: 'IPv4-mapped, upper case', input: '::FFFF:203.0.113.7', expected: '203.0.113.7' },
  { name: 'IPv4-mapped in hex', input: '::ffff:cb00:7107', expected: '203.0.113.7' },
  { name: 'IPv4-mapped, fully written', input: '0:0:0:0:0:ffff:cb00:7107', expected: '203.0.113.7' },
  { name: 'IPv6 grouped by /64', input: '2001:db8:1:2:3:4:5:6', expected: '2001:db8:1:2::/64' },
  { name: 'another host in the same /64', input: '2001:db8:1:2:aaaa:bbbb:cccc:dddd', expected: '2001:db8:1:2::/64' },
  { name: 'compressed inside the prefix', input: '2001:db8::1', expected: '2001:db8:0:0::/64' },
  { name: 'leading zeros and case', input: '2001:0DB8:0001:0002::1', expected: '2001:db8:1:2::/64' },
  { name: 'another /64', input: '2001:db8:1:3::1', expected: '2001:db8:1:3::/64' },
  { name: 'loopback', input: '::1', expected: '0:0:0:0::/64' },
  { name: 'zone index dropped', input: 'fe80::1%eth0', expected: 'fe80:0:0:0::/64' },
  { name: 'trailing :: ', input: '2001:db8:1:2::', expected: '2001:db8:1:2::/64' },
  { name: 'IPv4-compatible tail outside the mapped range', input: '64:ff9b::203.0.113.7', expected: '64:ff9b:0:0::/64' },
  { name: 'not an address: as is', input: 'unknown', expected: 'unknown' },
  { name: 'not an address: cut to 64 characters', input: 'x'.repeat(1000), expected: 'x'.repeat(64) },
];

for (const { name, input, expected } of cases) t.equal(addressLimitKey(input), expected, name);
