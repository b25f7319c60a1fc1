const escapeAttribute = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The upload page's HTML: static apart from the size limit and the source link; the script fills in the rest. */
export function uploadPageHtml(input: { maxMegabytes: number; sourceUrl: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Import LIVE data · LiveRoster</title>
<link rel="stylesheet" href="/upload/upload.css">
<script type="module" src="/upload/upload.js"></script>
</head>
<body>
<header>
  <h1>LiveRoster <span class="muted">· Import LIVE data</span></h1>
  <span id="sandbox" class="badge" hidden>SANDBOX</span>
  <button id="signout" class="link" type="button" hidden>Sign out</button>
</header>
<main>
  <section id="signin-section" hidden>
    <h2>Sign in</h2>
    <form id="signin-form">
      <label>Email <input id="email" name="email" type="email" autocomplete="username" required></label>
      <label>Password <input id="password" name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Sign in</button>
      <p id="signin-error" class="error" role="alert" hidden></p>
    </form>
  </section>

  <section id="upload-section" hidden>
    <h2>Upload a CSV or Excel file</h2>
    <p class="muted">A LIVE sessions export (one LIVE per row) or a LIVE Backstage “Creator data” export, as CSV or .xlsx (its first sheet). Up to ${input.maxMegabytes} MB, one file at a time. Rows already imported are never counted twice.</p>
    <form id="upload-form">
      <label>Creator
        <select id="creator" name="creatorId"><option value="">From the file (username column)</option></select>
      </label>
      <label>Date order <select id="dateOrder" name="dateOrder">
        <option value="">Detect (say which it assumed)</option><option value="MDY">MM/DD/YYYY</option><option value="DMY">DD/MM/YYYY</option>
      </select></label>
      <label>Time zone of times without one
        <input id="timeZone" name="timeZone" list="time-zones" placeholder="The agency's time zone" autocomplete="off" spellcheck="false">
        <datalist id="time-zones"></datalist>
      </label>
      <label class="inline"><input id="addMissing" name="addMissingCreators" type="checkbox"> Add creators who are not on the roster yet</label>
      <div id="drop" class="drop" tabindex="0">
        <p><strong>Drop a CSV or .xlsx file here</strong> or <label class="link" for="file">choose one</label></p>
        <input id="file" name="file" type="file" accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet">
        <p id="file-name" class="muted"></p>
      </div>
      <button id="submit" type="submit" disabled>Import</button>
    </form>
    <div id="progress" hidden>
      <p id="phase">Uploading…</p>
      <progress id="upload-bar" max="1" value="0"></progress>
      <p id="counts" class="muted"></p>
    </div>
    <p id="upload-error" class="error" role="alert" hidden></p>
  </section>

  <section id="report" hidden>
    <h2>Report <span id="report-status" class="status"></span></h2>
    <dl class="tiles">
      <div><dt>Inserted</dt><dd id="r-inserted">0</dd></div>
      <div><dt>Duplicates</dt><dd id="r-duplicates">0</dd></div>
      <div><dt>Updated</dt><dd id="r-updated">0</dd></div>
      <div><dt>Failed</dt><dd id="r-failed">0</dd></div>
      <div><dt>Skipped</dt><dd id="r-skipped">0</dd></div>
      <div><dt>Matched to LIVE tracking</dt><dd id="r-reconciled">0</dd></div>
      <div><dt>Creators added</dt><dd id="r-added">0</dd></div>
      <div><dt>Diamonds added</dt><dd id="r-diamonds">0</dd></div>
    </dl>
    <ul id="r-summary" class="summary"></ul>
    <p id="r-message" class="error" hidden></p>
    <ul id="r-assumptions" class="assumptions"></ul>
    <div id="r-errors" hidden>
      <h3>Rows to fix <span id="r-errors-more" class="muted"></span></h3>
      <table><thead><tr><th>Line</th><th>Problem</th></tr></thead><tbody id="r-errors-body"></tbody></table>
      <button id="download-errors" type="button">Download the rows to fix (CSV)</button>
      <p class="muted">The download holds each row as it was, beside its line and problem: fix the rows and upload that file again.</p>
    </div>
  </section>
</main>
<footer class="muted"><a href="${escapeAttribute(input.sourceUrl)}" rel="noopener">Source code</a> · LiveRoster is free software (AGPL-3.0)</footer>
</body>
</html>`;
}
