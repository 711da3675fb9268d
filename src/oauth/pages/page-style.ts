/**
 * The one stylesheet of our HTML pages, inlined in a <style> element and allowed by its SHA-256
 * hash in the Content-Security-Policy (http/send-html.ts computes the hash from this exact
 * string, CSP Level 3 §8.3), so the policy needs neither 'unsafe-inline' nor a stylesheet URL.
 * Readable on a phone (375 px wide and up), 16 px inputs so mobile browsers do not zoom,
 * visible focus, and the system's dark mode.
 */
export const pageStyle = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #f6f7f9; --card: #fff; --line: #c9ced6;
  --accent: #1f5fbf; --accent-fg: #fff; --error: #a4161a; --error-bg: #fde8e8; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8eaed; --bg: #16181c; --card: #22252b; --line: #4a505a;
    --accent: #7aa7ff; --accent-fg: #10131a; --error: #ffb4b4; --error-bg: #4a1c1f; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 28rem; margin: 0 auto; padding: 1.5rem 1rem; }
main.wide { max-width: 52rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .75rem; padding-top: 1rem; border-top: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
.signed-in { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .5rem 1rem; }
.signed-in p { margin: 0; }
.signed-in button { flex: none; min-height: 2.25rem; padding: .3rem .9rem; }
.section-links { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; padding: 0; margin: 1rem 0 0; }
a { color: var(--accent); }
a:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: .75rem; padding: 1.25rem; }
h1 { font-size: 1.4rem; line-height: 1.25; margin: 0 0 1rem; }
p, ul { margin: 0 0 1rem; }
strong, li, h1 { overflow-wrap: anywhere; }
ul { padding-left: 1.25rem; }
.scope-id { opacity: .7; font-size: .875rem; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
input { display: block; width: 100%; font: inherit; padding: .6rem .7rem; color: inherit;
  background: var(--bg); border: 1px solid var(--line); border-radius: .4rem; }
.buttons { display: flex; gap: .75rem; margin-top: 1.25rem; }
button { flex: 1; font: inherit; font-weight: 600; min-height: 2.75rem; padding: .6rem 1rem;
  border-radius: .4rem; border: 1px solid var(--accent); cursor: pointer; }
button[value="allow"] { background: var(--accent); color: var(--accent-fg); }
button[value="deny"] { background: transparent; color: var(--accent); }
input:focus-visible, button:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
input[type="checkbox"] { display: inline; width: auto; margin: 0 .4rem 0 0; }
select, fieldset { font: inherit; width: 100%; }
select { padding: .55rem .6rem; color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: .4rem; }
fieldset.choices { display: grid; grid-template-columns: repeat(auto-fill, minmax(7rem, 1fr)); column-gap: .75rem; }
fieldset.choices label { margin: .35rem 0; font-weight: 400; }
fieldset { border: 1px solid var(--line); border-radius: .4rem; margin: .75rem 0 0; }
.table-wrap { overflow-x: auto; margin: 0 0 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid var(--line); }
@media (max-width: 40rem) {
  /* Narrow screens: each row a block, each cell labelled by its column (data-label), no sideways scrolling. */
  table.rows thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.rows tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.rows td { display: block; border: 0; padding: .15rem 0; }
  table.rows td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
}
code { overflow-wrap: anywhere; font-size: 1.1rem; }
.copy-row { display: flex; align-items: center; gap: .75rem; }
button.copy { flex: none; min-height: 2.25rem; background: transparent; color: var(--accent); }
td button { min-height: 2.25rem; padding: .3rem .7rem; background: transparent; color: var(--accent); }
img { max-width: 100%; height: auto; }
.users { list-style: none; padding: 0; }
.user { border-top: 1px solid var(--line); padding: .75rem 0; }
.user h3 { margin: 0 0 .4rem; overflow-wrap: anywhere; }
.user dl { display: grid; grid-template-columns: repeat(auto-fill, minmax(7rem, 1fr)); gap: .25rem .75rem; margin: 0 0 .6rem; }
.user dt { font-size: .8rem; opacity: .8; }
.user dd { margin: 0; font-weight: 600; }
.row-actions { display: flex; flex-wrap: wrap; gap: .4rem; }
.row-actions button { flex: none; font-weight: 500; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
[role="alert"] { color: var(--error); background: var(--error-bg); border-radius: .4rem; padding: .6rem .75rem; }
`;
