import { describe, expect, it } from 'vitest';
import { apiOriginPattern, normaliseApiUrl } from '../api-url';

describe('normaliseApiUrl', () => {
  it.each([
    ['127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['http://127.0.0.1:3000/', 'http://127.0.0.1:3000'],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000'],
    ['  https://API.example.com//  ', 'https://api.example.com'],
    ['https://example.com:443/liveroster/', 'https://example.com/liveroster'],
    ['localhost:8080', 'http://localhost:8080'],
    ['HTTP://Example.com/', 'http://example.com'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseApiUrl(input)).toBe(expected);
  });

  it.each(['', '   ', 'ftp://example.com', 'http://exa mple.com', 'https://example.com/?x=1', 'https://user:pw@example.com'])('refuses %j', (input) => {
    expect(() => normaliseApiUrl(input)).toThrow();
  });

  it('gives the host permission pattern of the server', () => {
    expect(apiOriginPattern('http://127.0.0.1:3000')).toBe('http://127.0.0.1/*');
    expect(apiOriginPattern('https://api.example.com/x')).toBe('https://api.example.com/*');
  });
});
