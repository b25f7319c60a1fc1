/**
 * The browsable URL of a package.json `repository` (`git+https://host/x.git` → `https://host/x`): where LiveRoster
 * offers its source to every user (AGPL-3.0 section 13). The server and the extension both derive it from the
 * one package.json.
 */
export function browsableRepositoryUrl(repository: string | { url?: string } | undefined): string | null {
  const raw = typeof repository === 'string' ? repository : repository?.url;
  if (!raw) return null;
  return raw
    .trim()
    .replace(/^git\+/, '')
    .replace(/^git:\/\//, 'https://')
    .replace(/^git@([^:]+):/, 'https://$1/')
    .replace(/\.git$/, '');
}
