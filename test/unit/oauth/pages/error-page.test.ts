import t from 'tap';
import { renderErrorPage } from '../../../../src/oauth/pages/error-page.js';
import { checkEscaped, checkShell, hostile } from './page-checks.js';

const page = renderErrorPage({ title: 'This sign-in link is not valid', message: 'The redirect_uri is not registered.' });
checkShell(t, page);
t.match(page, '<title>This sign-in link is not valid</title>');
t.match(page, '<h1>This sign-in link is not valid</h1>\n<p>The redirect_uri is not registered.</p>');
t.notMatch(page, '<form', 'nothing to submit, nowhere to go');

checkEscaped(t, renderErrorPage({ title: hostile, message: 'm' }), 'title');
checkEscaped(t, renderErrorPage({ title: 't', message: hostile }), 'message');
