// The upload page's script: an ES module served as is by the API. The upload itself (form, progress,
// following the import, the errors CSV) is the shared client in shared/upload/import-client.js, the same
// module the extension's options page uses.
// Sign in → pick a creator → drop a file → upload progress → processing progress → report.
import { IMPORT_ACCEPT, downloadErrorsCsv, followImport, formatBytes, newClientRef, reportSummary, saveBlob, timeZoneNames, uploadImport } from '/upload/import-client.js';

const TOKEN_KEY = 'liveroster.upload.token';
const $ = (id) => document.getElementById(id);
let file = null;

const token = () => sessionStorage.getItem(TOKEN_KEY);
const target = () => ({ apiUrl: '', token: token() });
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
  text('file-name', file ? `${file.name} · ${formatBytes(file.size)}` : '');
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
  text('r-diamonds', number(r.diamondsAdded));
  $('r-summary').replaceChildren(...reportSummary(r).map((line) => Object.assign(document.createElement('li'), { textContent: line })));
  showError('r-message', r.message || '');
  $('r-assumptions').replaceChildren(...(r.assumptions || []).map((a) => Object.assign(document.createElement('li'), { textContent: a })));
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

async function upload(event) {
  event.preventDefault();
  if (!file) return;
  showError('upload-error', '');
  show('report', false);
  show('progress', true);
  text('phase', 'Uploading…');
  text('counts', '');
  $('upload-bar').value = 0;
  $('submit').disabled = true;
  const clientRef = newClientRef();
  let done = false;
  const following = followImport({ ...target(), clientRef, isDone: () => done, onRecord: showProgress });
  try {
    const record = await uploadImport({
      ...target(),
      file,
      clientRef,
      creatorId: $('creator').value,
      dateOrder: $('dateOrder').value,
      timeZone: $('timeZone').value.trim(),
      addMissingCreators: $('addMissing').checked,
      onProgress: (fraction, loaded, total) => {
        $('upload-bar').value = fraction;
        text('counts', `${formatBytes(loaded)} of ${formatBytes(total)} sent`);
      },
      onUploaded: () => text('phase', 'Processing…'),
    });
    showReport(record);
  } catch (e) {
    if (e.status === 401) signOut();
    showError('upload-error', e.message);
  } finally {
    done = true;
    await following;
    show('progress', false);
    $('submit').disabled = !file;
  }
}

async function downloadErrors() {
  const id = $('download-errors').dataset.importId;
  saveBlob(await downloadErrorsCsv(target(), id), `import-${id}-errors.csv`);
}

function start() {
  fetch('/api/v1/config').then((r) => r.json()).then((c) => show('sandbox', c.tiktok?.mode === 'sandbox' || c.live?.mode === 'sandbox')).catch(() => {});
  $('file').accept = IMPORT_ACCEPT;
  $('time-zones').replaceChildren(...timeZoneNames().map((z) => new Option(z, z)));
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
}

// Module scripts run deferred: the DOM is parsed by now.
start();
