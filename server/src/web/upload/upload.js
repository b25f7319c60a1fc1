// The upload page's script (plain browser JavaScript, served as is by the API).
// Sign in → pick a creator → drop a file → upload progress (XHR) → processing progress (polling the
// import record found by clientRef) → report with the first errors and the full errors CSV.
(() => {
  'use strict';
  const TOKEN_KEY = 'liveroster.upload.token';
  const $ = (id) => document.getElementById(id);
  let file = null;

  const token = () => sessionStorage.getItem(TOKEN_KEY);
  const show = (id, on) => { $(id).hidden = !on; };
  const text = (id, value) => { $(id).textContent = value; };
  const number = (n) => Number(n || 0).toLocaleString();

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: { ...(token() && { authorization: `Bearer ${token()}` }), ...(body && { 'content-type': 'application/json' }) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const data = res.headers.get('content-type')?.includes('json') ? await res.json() : null;
    if (res.status === 401 && token()) signOut();
    if (!res.ok) throw new Error(data?.error?.message || `HTTP ${res.status}`);
    return data;
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
    render();
  }

  async function loadCreators() {
    const select = $('creator');
    select.length = 1;
    let cursor = null;
    do {
      const page = await api('GET', `/api/v1/creators?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      for (const c of page.items) select.add(new Option(`@${c.handle}${c.displayName && c.displayName !== c.handle ? ` · ${c.displayName}` : ''}`, c.id));
      cursor = page.nextCursor;
    } while (cursor && select.length < 5000);
  }

  function render() {
    const signedIn = !!token();
    show('signin-section', !signedIn);
    show('upload-section', signedIn);
    show('signout', signedIn);
    if (!signedIn) show('report', false);
    if (signedIn) loadCreators().catch((e) => showError('upload-error', e.message));
  }

  function showError(id, message) {
    text(id, message);
    show(id, !!message);
  }

  function pickFile(f) {
    file = f || null;
    text('file-name', file ? `${file.name} · ${(file.size / 1024 / 1024).toFixed(2)} MB` : '');
    $('submit').disabled = !file;
  }

  function showReport(r) {
    show('report', true);
    const status = $('report-status');
    status.textContent = r.status;
    status.className = `status ${r.status}`;
    text('r-inserted', number(r.inserted));
    text('r-duplicates', number(r.duplicates));
    text('r-updated', number(r.updated));
    text('r-failed', number(r.failed));
    text('r-skipped', number(r.skipped));
    text('r-reconciled', number(r.reconciled));
    text('r-added', number(r.creatorsAdded));
    showError('r-message', r.message || '');
    const list = $('r-assumptions');
    list.replaceChildren(...(r.assumptions || []).map((a) => Object.assign(document.createElement('li'), { textContent: a })));
    show('r-errors', r.errorCount > 0);
    text('r-errors-more', r.errorCount > r.errors.length ? `(first ${r.errors.length} of ${number(r.errorCount)})` : '');
    $('r-errors-body').replaceChildren(...r.errors.map((e) => {
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('td'), { textContent: e.line }), Object.assign(document.createElement('td'), { textContent: e.message }));
      return tr;
    }));
    $('download-errors').dataset.importId = r.id;
  }

  function showProgress(r) {
    const fraction = r.bytesTotal ? Math.min(1, r.bytesRead / r.bytesTotal) : null;
    text('phase', r.status === 'processing' ? 'Processing…' : 'Done');
    if (fraction !== null) $('upload-bar').value = fraction;
    text('counts', `${number(r.rows)} rows: ${number(r.inserted)} inserted · ${number(r.duplicates)} duplicates · ${number(r.failed)} failed`);
  }

  /** Follows the import while the upload request is still open (the POST answers when processing ends). */
  async function follow(clientRef, isDone) {
    let id = null;
    while (!isDone()) {
      await new Promise((r) => setTimeout(r, 700));
      if (isDone()) return;
      try {
        if (!id) id = (await api('GET', `/api/v1/imports?clientRef=${clientRef}&limit=1`)).items[0]?.id ?? null;
        if (id && !isDone()) showProgress(await api('GET', `/api/v1/imports/${id}`));
      } catch {
        // progress is best effort; the upload's own answer is what counts
      }
    }
  }

  function upload(event) {
    event.preventDefault();
    if (!file) return;
    showError('upload-error', '');
    show('report', false);
    show('progress', true);
    text('phase', 'Uploading…');
    text('counts', '');
    $('upload-bar').value = 0;
    $('submit').disabled = true;
    const clientRef = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(36).slice(2)).replace(/[^A-Za-z0-9_-]/g, '');
    const form = new FormData();
    // Fields before the file: the server reads them before the rows stream in.
    if ($('creator').value) form.append('creatorId', $('creator').value);
    if ($('dateOrder').value) form.append('dateOrder', $('dateOrder').value);
    if ($('addMissing').checked) form.append('addMissingCreators', 'true');
    form.append('clientRef', clientRef);
    form.append('file', file, file.name);

    let done = false;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/imports');
    xhr.setRequestHeader('authorization', `Bearer ${token()}`);
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      $('upload-bar').value = e.loaded / e.total;
      text('counts', `${(e.loaded / 1024 / 1024).toFixed(1)} of ${(e.total / 1024 / 1024).toFixed(1)} MB sent`);
    };
    xhr.upload.onload = () => text('phase', 'Processing…');
    xhr.onerror = () => finish(null, 'The API could not be reached; check the connection and upload again (nothing is imported twice).');
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 401) signOut();
      if (xhr.status >= 200 && xhr.status < 300) finish(body, null);
      else finish(null, body?.error?.message || `Upload failed (HTTP ${xhr.status}).` + (body?.error?.details?.headers?.length ? ` Headers found: ${body.error.details.headers.join(', ')}.` : ''));
    };
    function finish(record, error) {
      done = true;
      show('progress', false);
      $('submit').disabled = !file;
      if (error) showError('upload-error', error);
      if (record) showReport(record);
    }
    xhr.send(form);
    follow(clientRef, () => done);
  }

  async function downloadErrors() {
    const id = $('download-errors').dataset.importId;
    const res = await fetch(`/api/v1/imports/${id}/errors.csv`, { headers: { authorization: `Bearer ${token()}` } });
    if (!res.ok) return showError('upload-error', `Could not download the errors (HTTP ${res.status}).`);
    const url = URL.createObjectURL(await res.blob());
    const a = Object.assign(document.createElement('a'), { href: url, download: `import-${id}-errors.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  document.addEventListener('DOMContentLoaded', () => {
    fetch('/api/v1/config').then((r) => r.json()).then((c) => show('sandbox', c.tiktok?.mode === 'sandbox' || c.live?.mode === 'sandbox')).catch(() => {});
    $('signin-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      showError('signin-error', '');
      try {
        const res = await api('POST', '/api/v1/auth/login', { email: $('email').value, password: $('password').value });
        sessionStorage.setItem(TOKEN_KEY, res.token);
        $('password').value = '';
        render();
      } catch (e) {
        showError('signin-error', e.message);
      }
    });
    $('signout').addEventListener('click', signOut);
    $('file').addEventListener('change', () => pickFile($('file').files[0]));
    const drop = $('drop');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); pickFile(e.dataTransfer.files[0]); });
    drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') $('file').click(); });
    $('upload-form').addEventListener('submit', upload);
    $('download-errors').addEventListener('click', () => downloadErrors().catch((e) => showError('upload-error', e.message)));
    render();
  });
})();
