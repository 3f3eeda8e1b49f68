/**
 * Bull Board's page as we serve it. Its template asks Google Fonts for IBM Plex (a VPS may be
 * offline: the page waited on it, then fell back to a system font anyway), so that link goes;
 * the CSS falls back to the system sans-serif and monospace fonts.
 *
 * A browser opened on http://admin:<key>@host/admin/queues keeps the credentials in the page's
 * URL, and fetch() refuses every URL resolved against it ("Request cannot be constructed from a
 * URL that includes credentials"): the board's translations (fetched by i18next) never loaded and
 * it showed raw keys such as MENU.QUEUES. The first script of the page drops the credentials from
 * the address (same origin, so history.replaceState may); the browser keeps sending them from its
 * auth cache.
 */
const STRIP_CREDENTIALS = `<script>(function(){var u=new URL(document.URL);if(!u.username&&!u.password)return;u.username='';u.password='';try{history.replaceState(history.state,'',u.href)}catch(e){window.location.replace(u.href)}})();</script>`;

export function offlineBoardPage(html: string): string {
  return html
    .replace(/<link[^>]+fonts\.(?:googleapis|gstatic)\.com[^>]*>\s*/g, '')
    .replace(/<head>/i, (head) => `${head}\n${STRIP_CREDENTIALS}`);
}
