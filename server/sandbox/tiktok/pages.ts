import { currentStats, type SandboxAccount } from './accounts';
import type { AuthorizeRequest } from './authorize';

/** HTML for the sandbox's screens. Every page carries the SANDBOX banner: nobody should mistake it for TikTok. */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const SCOPE_WORDS: Record<string, string> = {
  'user.info.basic': 'Read your profile info (avatar, display name)',
  'user.info.profile': 'Read your profile details (username, bio, verification, profile link)',
  'user.info.stats': 'Read your statistics (followers, following, likes, number of videos)',
  'video.list': 'Read your public videos',
  'video.upload': 'Upload videos to your drafts',
  'video.publish': 'Post videos to your profile',
};

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · SANDBOX TikTok</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f8;color:#161823}
.banner{background:#ffcc00;color:#000;font-weight:700;text-align:center;padding:10px;letter-spacing:.04em}
main{max-width:520px;margin:24px auto;background:#fff;border-radius:12px;padding:24px;box-shadow:0 2px 10px #0001}
h1{font-size:1.3rem}label{display:block;margin:8px 0}button{font-size:1rem;padding:10px 18px;border-radius:8px;border:0;cursor:pointer}
#approve{background:#fe2c55;color:#fff}#deny{background:#e3e3e5}.muted{color:#666;font-size:.9rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:4px 6px;border-bottom:1px solid #eee}
img.avatar{border-radius:50%;vertical-align:middle}
</style></head><body>
<div class="banner" id="sandbox-banner" role="alert">SANDBOX — not TikTok. Local stand-in for Login Kit &amp; Display API.</div>
<main>${body}</main></body></html>`;
}

export function errorPage(error: string, description: string): string {
  return layout(
    'Authorization error',
    `<h1>Something went wrong</h1><p id="error" data-error="${escapeHtml(error)}"><strong>${escapeHtml(error)}</strong>: ${escapeHtml(description)}</p>`,
  );
}

/** The consent page: stable ids (#account, #new_handle, #approve, #deny) for puppeteer; a plain form for HTTP clients. */
export function consentPage(input: {
  appName: string;
  request: AuthorizeRequest;
  rawParams: Record<string, string>;
  accounts: SandboxAccount[];
  preselect?: string;
  error?: string;
}): string {
  const hidden = Object.entries(input.rawParams)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  const options = input.accounts
    .map((a) => {
      const selected = a.openId === input.preselect || a.handle === input.preselect ? ' selected' : '';
      return `<option value="${escapeHtml(a.openId)}"${selected}>@${escapeHtml(a.handle)} — ${escapeHtml(a.displayName)}</option>`;
    })
    .join('');
  const scopes = input.request.scopes
    .map(
      (s) =>
        `<label><input type="checkbox" name="granted_scope" value="${escapeHtml(s)}" checked${s === 'user.info.basic' ? ' disabled' : ''}> ${escapeHtml(SCOPE_WORDS[s] ?? s)} <span class="muted">(${escapeHtml(s)})</span></label>` +
        (s === 'user.info.basic' ? `<input type="hidden" name="granted_scope" value="user.info.basic">` : ''),
    )
    .join('\n');
  return layout(
    'Authorize',
    `<h1 id="app-name">${escapeHtml(input.appName)} wants to access your sandbox TikTok account</h1>
${input.error ? `<p id="form-error" style="color:#c00">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="/v2/auth/authorize/" id="consent">
${hidden}
<input type="hidden" name="scope_choice" value="1">
<fieldset id="scopes"><legend>This app will be able to:</legend>
${scopes}
</fieldset>
<p><label for="account">Log in as</label>
<select id="account" name="account"><option value="">— choose a sandbox account —</option>${options}<option value="__new__">+ Create a new sandbox account</option></select></p>
<p><label for="new_handle">New sandbox account handle (used when “Create a new sandbox account” is chosen)</label>
<input id="new_handle" name="new_handle" placeholder="e.g. new.creator" pattern="[A-Za-z0-9_.@]{2,25}"></p>
<p><button id="approve" type="submit" name="decision" value="approve">Approve</button>
<button id="deny" type="submit" name="decision" value="deny" formnovalidate>Deny</button></p>
<p class="muted">Redirects to ${escapeHtml(input.request.redirectUri)}</p>
</form>`,
  );
}

export function indexPage(input: { appName: string; accounts: SandboxAccount[]; now: number; baseUrl: string }): string {
  const rows = input.accounts
    .map((a) => {
      const s = currentStats(a, input.now);
      return `<tr data-open-id="${escapeHtml(a.openId)}"><td><img class="avatar" width="24" height="24" alt="" src="${escapeHtml(input.baseUrl)}/sandbox/media/avatar/${encodeURIComponent(a.openId)}.svg"> <a href="/@${escapeHtml(a.handle)}">@${escapeHtml(a.handle)}</a></td><td>${escapeHtml(a.displayName)}</td><td>${s.follower_count}</td><td>${s.video_count}</td><td class="muted">${escapeHtml(a.openId)}</td></tr>`;
    })
    .join('');
  return layout(
    'Accounts',
    `<h1>Sandbox TikTok for ${escapeHtml(input.appName)}</h1>
<p class="muted">Login Kit at /v2/auth/authorize/, Display API v2 at /v2/user/info/ and /v2/video/*, control at /sandbox/control/*.</p>
<table id="accounts"><tr><th>Handle</th><th>Name</th><th>Followers</th><th>Videos</th><th>open_id</th></tr>${rows}</table>`,
  );
}

export function profilePage(account: SandboxAccount, now: number, videoId?: string): string {
  const s = currentStats(account, now);
  const video = videoId ? account.videos.find((v) => v.id === videoId) : undefined;
  const body = video
    ? `<h1>${escapeHtml(video.title)}</h1><p>@${escapeHtml(account.handle)} · ${video.viewCount} views · ${video.likeCount} likes</p><p>${escapeHtml(video.description)}</p>`
    : `<h1>@${escapeHtml(account.handle)}</h1><p>${escapeHtml(account.displayName)} · ${s.follower_count} followers · ${s.video_count} videos</p><p>${escapeHtml(account.bio)}</p>`;
  return layout(video ? video.title : `@${account.handle}`, body);
}

/** A tiny generated avatar: initials on a colour derived from the handle. */
export function avatarSvg(account: SandboxAccount, size: number): string {
  const hue = [...account.handle].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 360, 7);
  const initials = escapeHtml(account.displayName.split(/\s+/).map((w) => w[0] ?? '').join('').slice(0, 2).toUpperCase());
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 100 100"><rect width="100" height="100" fill="hsl(${hue},65%,55%)"/><text x="50" y="50" dy=".35em" text-anchor="middle" font-family="sans-serif" font-size="40" fill="#fff">${initials}</text><text x="50" y="88" text-anchor="middle" font-family="sans-serif" font-size="9" fill="#fff">SANDBOX</text></svg>`;
}

export function coverSvg(title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="270" height="480" viewBox="0 0 270 480"><rect width="270" height="480" fill="#161823"/><text x="135" y="230" text-anchor="middle" font-family="sans-serif" font-size="18" fill="#fff">${escapeHtml(title.slice(0, 28))}</text><text x="135" y="460" text-anchor="middle" font-family="sans-serif" font-size="12" fill="#ffcc00">SANDBOX</text></svg>`;
}
