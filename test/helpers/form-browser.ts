/**
 * A browser without JavaScript over fetch, with a cookie jar: it keeps every cookie the gateway
 * sets (and forgets the ones it clears), follows nothing by itself, and posts a page's hidden
 * fields back with the person's answers. Two of them are two browsers.
 */
export interface BrowserPage {
  status: number;
  html: string;
  hidden: Record<string, string>;
}

export interface FormBrowser {
  /** name → value of the cookies it holds. */
  readonly cookies: Map<string, string>;
  get(url: string | URL): Promise<Response>;
  page(url: string | URL): Promise<BrowserPage>;
  post(url: string | URL, fields: Record<string, string>): Promise<Response>;
}

function decodeEntities(value: string): string {
  return value.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/** The hidden inputs of a page (the CSRF token, the carried request parameters). */
export function hiddenFields(html: string): Record<string, string> {
  const hidden: Record<string, string> = {};
  for (const match of html.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(match[0])?.[1];
    if (name) hidden[name] = decodeEntities(/value="([^"]*)"/.exec(match[0])?.[1] ?? '');
  }
  return hidden;
}

export function formBrowser(): FormBrowser {
  const cookies = new Map<string, string>();
  const header = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] as string;
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /;\s*max-age=0/i.test(line)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return res;
  };
  const get = async (url: string | URL) => keep(await fetch(url, { headers: { cookie: header() }, redirect: 'manual' }));
  return {
    cookies,
    get,
    async page(url) {
      const res = await get(url);
      const html = await res.text();
      return { status: res.status, html, hidden: hiddenFields(html) };
    },
    async post(url, fields) {
      return keep(
        await fetch(url, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: header() },
          body: new URLSearchParams(fields).toString(),
        }),
      );
    },
  };
}
