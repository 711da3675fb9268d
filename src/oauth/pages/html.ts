/**
 * A tagged template that escapes every interpolated value with escapeHtml unless it is already
 * SafeHtml (a fragment built by this same tag), so a page cannot forget to escape: the only way
 * to put unescaped text into a page is to write it in a template literal in our own source.
 */
import { escapeHtml } from './escape-html.js';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Absent values (undefined, null, false) render as nothing, so `${error && html`...`}` works. */
export type HtmlValue = string | number | SafeHtml | undefined | null | false | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, part, i) => out + render(values[i - 1]) + part));
}
