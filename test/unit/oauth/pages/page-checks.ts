/** Assertions every page test shares: hostile values appear only escaped, and no script. */
import type { Test } from 'tap';

export const hostile = `<script>alert("x")</script><img src=x onerror='y'>&amp;`;
export const hostileEscaped = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;y&#39;&gt;&amp;amp;';

export function checkEscaped(t: Test, page: string, name: string): void {
  t.notOk(page.includes(hostile), `${name}: the raw value is absent`);
  t.ok(page.includes(hostileEscaped), `${name}: the escaped value is present`);
  t.notMatch(page, /<script|onerror=['"]/i, `${name}: no script, no handler`);
}

/** Every label names an input that exists, and every visible input has a label. */
export function checkLabels(t: Test, page: string): void {
  const labelled = [...page.matchAll(/<label for="([^"]+)">/g)].map((m) => m[1]);
  const inputs = [...page.matchAll(/<input id="([^"]+)"/g)].map((m) => m[1]);
  t.same(labelled, inputs, 'each visible input has a label bound to it');
  const visible = [...page.matchAll(/<input (?![^>]*type="hidden")[^>]*>/g)].length;
  t.equal(visible, inputs.length, 'no visible input without an id');
}

export function checkShell(t: Test, page: string): void {
  t.match(page, /^<!doctype html>\n<html lang="en">/, 'a language');
  t.match(page, '<meta name="viewport" content="width=device-width, initial-scale=1">', 'a viewport for phones');
  t.match(page, /<h1>[^<]+<\/h1>/, 'a visible heading');
  t.equal((page.match(/<style>/g) ?? []).length, 1, 'one stylesheet');
}
