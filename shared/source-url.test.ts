import { describe, expect, it } from 'vitest';
import { browsableRepositoryUrl } from './source-url';

describe('browsableRepositoryUrl', () => {
  it.each([
    ['git+https://github.com/liveroster/liveroster.git', 'https://github.com/liveroster/liveroster'],
    ['https://github.com/liveroster/liveroster', 'https://github.com/liveroster/liveroster'],
    ['git://github.com/a/b.git', 'https://github.com/a/b'],
    ['git@github.com:a/b.git', 'https://github.com/a/b'],
    [' https://codeberg.org/a/b.git ', 'https://codeberg.org/a/b'],
  ])('%s → %s', (raw, expected) => {
    expect(browsableRepositoryUrl(raw)).toBe(expected);
    expect(browsableRepositoryUrl({ url: raw })).toBe(expected);
  });

  it('no repository: null', () => {
    expect(browsableRepositoryUrl(undefined)).toBeNull();
    expect(browsableRepositoryUrl({})).toBeNull();
  });
});
