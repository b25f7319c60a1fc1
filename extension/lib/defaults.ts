/** The API server the extension talks to until the user picks another one in the options page. */
export const DEFAULT_API_URL = 'http://127.0.0.1:3000';
