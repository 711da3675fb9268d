/**
 * Fills in photogate's server-rendered forms over plain HTTP, the way a browser without
 * JavaScript would: GET the page, keep its cookie, post every hidden field back with the
 * person's answers. (The Chromium test drives the same pages in a real browser.)
 */
export interface FormPage {
  status: number;
  html: string;
  cookie: string;
  hidden: Record<string, string>;
}

function decodeEntities(value: string): string {
  return value.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

export async function getFormPage(url: string, cookie = ''): Promise<FormPage> {
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  const html = await res.text();
  const setCookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const hidden: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(match[0])?.[1];
    const value = /value="([^"]*)"/.exec(match[0])?.[1] ?? '';
    if (name) hidden[name] = decodeEntities(value);
  }
  return { status: res.status, html, cookie: setCookie || cookie, hidden };
}

export async function postForm(url: string, page: FormPage, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie },
    body: new URLSearchParams({ ...page.hidden, ...fields }).toString(),
  });
}
