// Never let puppeteer download a browser: tests drive Debian's Chromium.
module.exports = { skipDownload: true };
