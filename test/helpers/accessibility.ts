/**
 * What the account pages promise people using a keyboard or a screen reader (issue 14 point 1),
 * checked in the page itself (Chromium): every form control and button has an accessible name
 * (a label, aria-label or text), buttons that act on different things have different names
 * ("Revoke phone", not five "Revoke"), images have alt text, headings do not skip a level, ids
 * are unique, no positive tabindex reorders the focus, and the page has a language. Answers the
 * problems found, empty when none.
 */
import type { Page } from 'playwright-core';

const audit = `(() => {
  const problems = [];
  const visible = (el) => !el.hidden && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const text = (el) => (el.textContent || '').replace(/\\s+/g, ' ').trim();
  const byIds = (ids) => ids.split(/\\s+/).map((id) => document.getElementById(id)).filter(Boolean).map(text).join(' ');
  const nameOf = (el) => (el.getAttribute('aria-label') || '').trim()
    || (el.getAttribute('aria-labelledby') ? byIds(el.getAttribute('aria-labelledby')) : '')
    || [...(el.labels || [])].map(text).join(' ')
    || ((el.tagName === 'BUTTON' || el.tagName === 'A') ? text(el) : '')
    || (el.getAttribute('title') || '').trim();
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '');
  if (!document.documentElement.lang) problems.push('html has no lang');
  for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]')) {
    if (!visible(el)) continue;
    if (!nameOf(el)) problems.push(describe(el) + ' has no accessible name');
  }
  const names = new Map();
  for (const el of document.querySelectorAll('button')) {
    if (!visible(el)) continue;
    const name = nameOf(el);
    const target = (el.form ? el.form.action : '') + ' ' + (el.value || '');
    const seen = names.get(name);
    if (seen !== undefined && seen !== target) problems.push('two buttons named "' + name + '" act on different things');
    names.set(name, target);
  }
  for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push(describe(img) + ' has no alt');
  let level = 0;
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    const next = Number(h.tagName[1]);
    if (level === 0 && next !== 1) problems.push('the first heading is ' + h.tagName);
    if (level > 0 && next > level + 1) problems.push(h.tagName + ' "' + text(h) + '" skips a level');
    level = next;
  }
  const ids = new Set();
  for (const el of document.querySelectorAll('[id]')) {
    if (ids.has(el.id)) problems.push('id "' + el.id + '" is used twice');
    ids.add(el.id);
  }
  for (const el of document.querySelectorAll('[tabindex]')) if (Number(el.getAttribute('tabindex')) > 0) problems.push(describe(el) + ' has a positive tabindex');
  return problems;
})()`;

export async function accessibilityProblems(page: Page): Promise<string[]> {
  return (await page.evaluate(audit)) as string[];
}

/** The element that has the focus, as `tag#id` or `tag "text"`, and whether it shows a focus ring. */
export async function focused(page: Page): Promise<{ element: string; ring: boolean }> {
  return (await page.evaluate(`(() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const element = el.tagName.toLowerCase() + (el.id ? '#' + el.id : ' "' + (el.textContent || '').trim() + '"');
    return { element, ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 };
  })()`)) as { element: string; ring: boolean };
}
