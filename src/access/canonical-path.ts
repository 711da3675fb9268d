/**
 * One canonical path decides access and is the path forwarded (HAZARDS H1-H3).
 *
 * http-proxy-3 and the upstream would otherwise each resolve the raw target their own way:
 * the proxy's WHATWG parser removes `%2e%2e` segments and turns `\` into `/`, while a Go upstream
 * routes on the decoded path (`%6detrics` is `metrics`). So we decode what is safe to decode,
 * resolve dot segments ourselves (RFC 3986 §5.2.4), collapse repeated slashes, and refuse every
 * form whose meaning differs between parsers. The result is a fixed point of the WHATWG parser,
 * so forwarding it verbatim is exactly what the upstream sees.
 *
 * Path parameters (issue 12): Tomcat, Jetty, Spring and other servers drop a segment's `;`
 * parameters before they resolve dot segments, so `/photos/..;/users` is `/users` to them while
 * it is a name under `photos` to us. A segment whose name is `.`, `..` or empty once everything
 * from its first `;` (raw or `%3B`) is removed is refused: no reading of it is safe, and no real
 * file is called `..;x`. Other names with `;` (`a;b.jpg`) are ordinary characters, forwarded as
 * they are. Pinned by test/unit/access/canonical-path.test.ts and
 * test/security/path-parameters.test.ts.
 */
import { InvalidRequest } from '../errors.js';

export interface RequestTarget {
  /** Canonical, percent-encoded path: starts with `/`, no dot segments, no empty segments. */
  path: string;
  /** The query string including its `?`, or ''. */
  query: string;
}

const HEX = /^[0-9A-Fa-f]{2}$/;
/** RFC 3986 §2.3 unreserved characters: decoding them never changes a path's meaning. */
const UNRESERVED = /[A-Za-z0-9\-._~]/;
/** Characters that may stand raw in a canonical path (pchar without `%`, plus `/`). */
const RAW_OK = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;

function refuse(detail: string): never {
  throw new InvalidRequest({ description: 'The request path is not acceptable.', detail });
}

/** Decodes unreserved escapes, re-encodes raw octets the WHATWG parser would encode. */
function canonicalOctets(rawPath: string): string {
  let out = '';
  for (let i = 0; i < rawPath.length; i++) {
    const ch = rawPath[i] as string;
    if (ch === '%') {
      const hex = rawPath.slice(i + 1, i + 3);
      if (!HEX.test(hex)) refuse('invalid percent-encoding');
      const code = Number.parseInt(hex, 16);
      const decoded = String.fromCharCode(code);
      // Encoded `/` and `\` split segments differently upstream; controls and NUL mean nothing good.
      if (code === 0x2f || code === 0x5c) refuse('encoded slash or backslash');
      if (code < 0x20 || code === 0x7f) refuse('encoded control character');
      out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
      i += 2;
    } else if (RAW_OK.test(ch)) {
      out += ch;
    } else {
      const code = ch.charCodeAt(0);
      if (ch === '\\') refuse('backslash');
      if (code < 0x20 || code === 0x7f) refuse('control character');
      if (code > 0xff) refuse('character outside the request-target octets');
      // `"`, `<`, `>`, `` ` ``, `{`, `}`, `|`, `^`, `[`, `]` and octets >= 0x80 (Node hands the
      // target over as latin1): encode them as the proxy would, once, here.
      out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** The segment without its `;` parameters (the first `;` or `%3B` on); canonical escapes only. */
function segmentName(segment: string): string {
  const semicolon = segment.indexOf(';');
  const encoded = segment.indexOf('%3B');
  const end = semicolon === -1 ? encoded : encoded === -1 ? semicolon : Math.min(semicolon, encoded);
  return end === -1 ? segment : segment.slice(0, end);
}

/** RFC 3986 §5.2.4 on a path whose escapes are already canonical; also drops empty segments. */
function removeDotSegments(path: string): string {
  const input = path.split('/').slice(1);
  const output: string[] = [];
  let trailingSlash = false;
  for (const [index, segment] of input.entries()) {
    const last = index === input.length - 1;
    const name = segmentName(segment);
    if (name !== segment && (name === '' || name === '.' || name === '..')) refuse('dot or empty segment with path parameters');
    trailingSlash = last && (segment === '' || segment === '.' || segment === '..');
    if (segment === '..') {
      if (output.length === 0) refuse('path climbs above the root');
      output.pop();
    } else if (segment !== '.' && segment !== '') {
      output.push(segment);
    }
  }
  const joined = `/${output.join('/')}`;
  return trailingSlash && output.length > 0 ? `${joined}/` : joined;
}

/**
 * A path that is already canonical: segments of raw pchars only (no `%`, nothing to encode), none
 * empty, none `.` or `..`, none starting with `;`, `.;` or `..;` (those go the long way, to the
 * path-parameter check), an optional trailing slash. Almost every request path is one, and both
 * steps above return it unchanged, so it skips them (issue 6 hot path).
 */
const CANONICAL_ALREADY = /^(?:\/(?!;|\.\.?(?:[/;]|$))[A-Za-z0-9\-._~!$&'()*+,;=:@]+)*\/?$/;

/**
 * Parses an origin-form request target (RFC 9112 §3.2.1). Absolute-form, authority-form and `*`
 * targets are refused: a reverse proxy has no use for them and each is a way to confuse routing.
 */
export function canonicalizeTarget(rawTarget: string): RequestTarget {
  if (!rawTarget.startsWith('/')) refuse('request target is not in origin-form');
  if (rawTarget.includes('#')) refuse('fragment in request target');
  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const query = q === -1 ? '' : rawTarget.slice(q);
  for (let i = 0; i < query.length; i++) {
    const code = query.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) refuse('control character in query');
  }
  return { path: CANONICAL_ALREADY.test(rawPath) ? rawPath : removeDotSegments(canonicalOctets(rawPath)), query };
}
