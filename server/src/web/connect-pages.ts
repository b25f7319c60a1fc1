/**
 * HTML of the hosted TikTok connect page. Plain server-rendered HTML: no
 * scripts at all (CSP is script-src 'self'), inline styles only. Every value
 * is escaped.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f6f8; color: #16161d; }
  main { max-width: 28rem; margin: 4rem auto; background: #fff; border-radius: 12px; padding: 2rem; box-shadow: 0 2px 12px rgba(0,0,0,.08); }
  h1 { font-size: 1.35rem; margin: 0 0 1rem; }
  .sandbox { background: #fff3c4; color: #5c4400; padding: .6rem 1rem; text-align: center; font-weight: 600; letter-spacing: .02em; }
  button { font: inherit; font-weight: 600; background: #fe2c55; color: #fff; border: 0; border-radius: 8px; padding: .75rem 1.5rem; cursor: pointer; width: 100%; }
  button:focus-visible { outline: 3px solid #16161d; outline-offset: 2px; }
  .muted { color: #5d5d6b; font-size: .9rem; }
  .ok { color: #0a7a3b; } .bad { color: #b3261e; }
  ul { padding-left: 1.2rem; }
  footer { max-width: 28rem; margin: -3rem auto 2rem; text-align: center; }
  footer a { color: #5d5d6b; }
`;

/** What every page shows besides its content: the SANDBOX banner, and the source offer (AGPL-3.0 section 13). */
export interface PageSite {
  sandbox: boolean;
  sourceUrl: string;
}

function layout(title: string, body: string, site: PageSite): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)} · LiveRoster</title>
<style>${STYLE}</style>
</head>
<body>
${site.sandbox ? '<div class="sandbox" role="status">SANDBOX: this connects to LiveRoster’s local sandbox TikTok, not to TikTok.</div>' : ''}
<main>
${body}
</main>
<footer class="muted"><a href="${escapeHtml(site.sourceUrl)}" rel="noopener">Source code</a> · LiveRoster is free software (AGPL-3.0)</footer>
</body>
</html>`;
}

export function invitePage(input: { token: string; handle: string; site: PageSite }): string {
  return layout(
    'Connect your TikTok account',
    `<h1>Connect your TikTok account</h1>
<p>Your agency manages <strong>@${escapeHtml(input.handle)}</strong> in LiveRoster and asks for read-only access to your TikTok account:</p>
<ul>
  <li>your profile (name, picture, bio, verified badge)</li>
  <li>your follower, following and like counts</li>
  <li>your recent public videos and their counts</li>
</ul>
<p class="muted">LiveRoster cannot post, comment or message for you. You can withdraw access at any time in TikTok’s settings, and your agency can disconnect it; TikTok data is then deleted.</p>
<form method="post" action="/connect/${encodeURIComponent(input.token)}/start">
  <button type="submit">Connect TikTok</button>
</form>`,
    input.site,
  );
}

export function invalidInvitePage(site: PageSite): string {
  return layout(
    'Link not valid',
    `<h1 class="bad">This link is not valid any more</h1>
<p>It may have expired, been used already, or been replaced. Ask your agency for a new connect link.</p>`,
    site,
  );
}

export function connectedPage(input: { handle: string; site: PageSite }): string {
  return layout(
    'TikTok connected',
    `<h1 class="ok">TikTok connected</h1>
<p>Thank you. <strong>@${escapeHtml(input.handle)}</strong> is now connected to your agency in LiveRoster. You can close this page.</p>`,
    input.site,
  );
}

export function failedPage(input: { message: string; site: PageSite }): string {
  return layout(
    'Connection failed',
    `<h1 class="bad">TikTok was not connected</h1>
<p>${escapeHtml(input.message)}</p>
<p class="muted">Open the link from your agency again to retry, or ask them for a new one.</p>`,
    input.site,
  );
}
