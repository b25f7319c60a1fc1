import type { DurationUnit } from './durations';
import { OFFSET_ANYWHERE_RE, offsetFromMatch } from './dates';

/** Languages whose TikTok UI headers we recognise. */
export type HeaderLanguage = 'en' | 'es' | 'pt' | 'id' | 'vi' | 'ja' | 'th';

/** What a column means, whatever the export's language. */
export type CanonicalField =
  | 'creatorHandle' | 'startedAt' | 'date' | 'endedAt' | 'duration' | 'diamonds' | 'gifts' | 'gifters'
  | 'viewers' | 'peakViewers' | 'avgViewers' | 'newFollowers' | 'likes' | 'comments' | 'shares'
  | 'dataPeriod' | 'creatorTikTokId' | 'group' | 'manager' | 'validLiveDays' | 'liveStreams';

type AliasTable = Record<CanonicalField, Partial<Record<HeaderLanguage, string>>>;

// Written as people see them (one `|`-separated list per language); normalised once at load.
const ALIASES: AliasTable = {
  creatorHandle: {
    en: "username|user name|handle|tiktok handle|tiktok username|creator|creator username|creator's username|creator handle|account|tiktok account|unique id|host",
    es: 'nombre de usuario|usuario|usuario de tiktok|creador|nombre de usuario del creador|cuenta',
    pt: 'nome de usuário|usuário|nome de utilizador|criador|nome de usuário do criador|conta',
    id: 'nama pengguna|nama pengguna kreator|kreator|akun|username kreator',
    vi: 'tên người dùng|tên người dùng của nhà sáng tạo|nhà sáng tạo|tài khoản',
    ja: 'ユーザー名|クリエイター名|クリエイターのユーザー名',
    th: 'ชื่อผู้ใช้|ครีเอเตอร์',
  },
  startedAt: {
    en: 'start time|started at|start|start date time|start datetime|live start time|live start|go live time|start date and time|date time|datetime|date and time',
    es: 'hora de inicio|fecha y hora de inicio|inicio|hora de inicio del live|fecha y hora',
    pt: 'horário de início|hora de início|início|data e hora de início|data e hora',
    id: 'waktu mulai|jam mulai|mulai|waktu mulai live|tanggal dan waktu',
    vi: 'thời gian bắt đầu|bắt đầu|giờ bắt đầu',
    ja: '開始時間|開始日時|配信開始時間|開始',
    th: 'เวลาเริ่ม|เวลาเริ่มต้น',
  },
  date: {
    en: 'date|live date|start date|day',
    es: 'fecha|fecha del live|fecha de inicio|día',
    pt: 'data|data da live|data de início|dia',
    id: 'tanggal|tanggal live|tanggal mulai',
    vi: 'ngày|ngày live|ngày bắt đầu',
    ja: '日付|配信日',
    th: 'วันที่',
  },
  endedAt: {
    en: 'end time|ended at|end|end date time|live end time',
    es: 'hora de fin|hora de finalización|fin|hora de término',
    pt: 'horário de término|hora de término|hora de fim|fim|término',
    id: 'waktu selesai|jam selesai|selesai|waktu berakhir',
    vi: 'thời gian kết thúc|kết thúc|giờ kết thúc',
    ja: '終了時間|終了日時',
    th: 'เวลาสิ้นสุด',
  },
  duration: {
    en: 'duration|live duration|length|stream duration|live time|broadcast duration|time live',
    es: 'duración|duración del live|duración de live|duración en vivo|tiempo en vivo',
    pt: 'duração|duração da live|duração do live|tempo ao vivo',
    id: 'durasi|durasi live|lama live',
    vi: 'thời lượng|thời lượng live|thời lượng phát trực tiếp',
    ja: '配信時間|ライブ時間|長さ',
    th: 'ระยะเวลา|ระยะเวลาไลฟ์',
  },
  diamonds: {
    en: 'diamonds|diamond|total diamonds|diamonds earned|diamonds received|live diamonds',
    es: 'diamantes|diamantes recibidos|diamantes totales|total de diamantes',
    pt: 'diamantes|diamantes recebidos|total de diamantes',
    id: 'berlian|berlian diterima|total berlian',
    vi: 'kim cương|kim cương nhận được|tổng kim cương',
    ja: 'ダイヤモンド|ダイヤ',
    th: 'เพชร',
  },
  gifts: {
    en: 'gifts|gift count|gifts received|number of gifts',
    es: 'regalos|regalos recibidos|número de regalos',
    pt: 'presentes|presentes recebidos|número de presentes',
    id: 'hadiah|hadiah diterima|jumlah hadiah',
    vi: 'quà tặng|quà|số quà tặng',
    ja: 'ギフト|ギフト数',
    th: 'ของขวัญ',
  },
  gifters: {
    en: 'gifters|gift senders|unique gifters|gifting viewers',
    es: 'donantes|remitentes de regalos|personas que enviaron regalos|espectadores que enviaron regalos',
    pt: 'doadores|remetentes de presentes|pessoas que enviaram presentes',
    id: 'pemberi hadiah|pengirim hadiah',
    vi: 'người tặng quà|người gửi quà',
    ja: 'ギフト送信者|ギフト送信者数|ギフター',
    th: 'ผู้ส่งของขวัญ',
  },
  viewers: {
    en: 'viewers|total viewers|unique viewers|views|total views|viewer count',
    es: 'espectadores|espectadores totales|espectadores únicos|visualizaciones|vistas',
    pt: 'espectadores|visualizações|espectadores únicos|total de espectadores',
    id: 'penonton|total penonton|pemirsa|penonton unik',
    vi: 'người xem|lượt xem|tổng người xem',
    ja: '視聴者|視聴者数|視聴数',
    th: 'ผู้ชม|ยอดผู้ชม',
  },
  peakViewers: {
    en: 'peak viewers|max viewers|maximum viewers|highest viewers|top viewers|peak concurrent viewers|pcu|peak viewer count',
    es: 'pico de espectadores|máximo de espectadores|espectadores máximos|espectadores simultáneos máximos',
    pt: 'pico de espectadores|máximo de espectadores|espectadores máximos',
    id: 'penonton tertinggi|puncak penonton|penonton maksimum',
    vi: 'người xem cao nhất|số người xem cao nhất|người xem tối đa',
    ja: '最高視聴者数|最大視聴者数|最大同時視聴者数',
    th: 'ผู้ชมสูงสุด',
  },
  avgViewers: {
    en: 'average viewers|avg viewers|avg. viewers|average concurrent viewers|acu|mean viewers',
    es: 'promedio de espectadores|espectadores promedio|media de espectadores',
    pt: 'média de espectadores|espectadores médios',
    id: 'rata-rata penonton|rata rata penonton|penonton rata-rata',
    vi: 'người xem trung bình|số người xem trung bình',
    ja: '平均視聴者数|平均同時視聴者数',
    th: 'ผู้ชมเฉลี่ย',
  },
  newFollowers: {
    en: 'new followers|followers gained|new follows|follows',
    es: 'nuevos seguidores|seguidores nuevos|seguidores ganados',
    pt: 'novos seguidores|seguidores novos|seguidores ganhos',
    id: 'pengikut baru|follower baru',
    vi: 'người theo dõi mới|lượt theo dõi mới',
    ja: '新規フォロワー|新規フォロワー数|新しいフォロワー',
    th: 'ผู้ติดตามใหม่',
  },
  likes: {
    en: 'likes|like count|total likes',
    es: 'me gusta|"me gusta" recibidos',
    pt: 'curtidas|gostos',
    id: 'suka|jumlah suka',
    vi: 'lượt thích|thích',
    ja: 'いいね|いいね数',
    th: 'ถูกใจ|ยอดถูกใจ',
  },
  comments: {
    en: 'comments|comment count',
    es: 'comentarios',
    pt: 'comentários',
    id: 'komentar',
    vi: 'bình luận|lượt bình luận',
    ja: 'コメント|コメント数',
    th: 'ความคิดเห็น',
  },
  shares: {
    en: 'shares|share count',
    es: 'compartidos|veces compartido',
    pt: 'compartilhamentos|partilhas',
    id: 'dibagikan|jumlah dibagikan|bagikan',
    vi: 'lượt chia sẻ|chia sẻ',
    ja: 'シェア|シェア数',
    th: 'แชร์|การแชร์',
  },
  dataPeriod: {
    en: 'data period|period|date range|reporting period',
    es: 'período de datos|periodo de datos|período|rango de fechas',
    pt: 'período de dados|período|intervalo de datas',
    id: 'periode data|periode|rentang tanggal',
    vi: 'khoảng thời gian dữ liệu|kỳ dữ liệu|giai đoạn',
    ja: 'データ期間|期間',
    th: 'ช่วงเวลาข้อมูล',
  },
  creatorTikTokId: {
    en: "creator id|creator's id|tiktok id|user id",
    es: 'id del creador|id de creador',
    pt: 'id do criador|id de criador',
    id: 'id kreator',
    vi: 'id nhà sáng tạo',
    ja: 'クリエイターid',
    th: 'ไอดีครีเอเตอร์',
  },
  group: {
    en: 'group|creator group',
    es: 'grupo',
    pt: 'grupo',
    id: 'grup|kelompok',
    vi: 'nhóm',
    ja: 'グループ',
    th: 'กลุ่ม',
  },
  manager: {
    en: 'creator network manager|network manager|creator manager|manager|agent',
    es: 'gerente de red de creadores|administrador de red de creadores|gerente|mánager|agente',
    pt: 'gerente de rede de criadores|gerente|agente',
    id: 'manajer jaringan kreator|manajer|agen',
    vi: 'người quản lý mạng lưới nhà sáng tạo|người quản lý|quản lý',
    ja: 'クリエイターネットワークマネージャー|マネージャー',
    th: 'ผู้จัดการ',
  },
  validLiveDays: {
    en: 'valid go live days|valid live days|valid days',
    es: 'días válidos de live|días de live válidos|días válidos en vivo',
    pt: 'dias válidos de live|dias de live válidos',
    id: 'hari live valid|hari go live valid',
    vi: 'số ngày live hợp lệ|ngày live hợp lệ',
    ja: '有効配信日数',
    th: 'วันไลฟ์ที่ถูกต้อง',
  },
  liveStreams: {
    en: 'live streams|lives|number of live streams|live sessions|streams',
    es: 'transmisiones en vivo|transmisiones live|número de lives',
    pt: 'transmissões ao vivo|número de lives',
    id: 'siaran live|jumlah live',
    vi: 'số buổi live|phiên live|buổi live',
    ja: '配信回数|ライブ配信数',
    th: 'จำนวนไลฟ์',
  },
};

// `… last month` columns of the Backstage export, in the same languages (prefix or suffix).
const LAST_MONTH_MARKERS = 'last month|previous month|del mes pasado|mes pasado|del mes anterior|mes anterior|do mês passado|mês passado|do mês anterior|mês anterior|bulan lalu|bulan sebelumnya|tháng trước|先月|前月|เดือนที่แล้ว';

// Units in duration headers: `Duration (min)`, `LIVE duration (hours)`, `Durasi (detik)`.
const HEADER_UNITS: Record<DurationUnit, string> = {
  seconds: 's|sec|secs|second|seconds|seg|segundo|segundos|detik|dtk|giây|秒|วินาที',
  minutes: 'min|mins|minute|minutes|minuto|minutos|menit|mnt|phút|分|นาที',
  hours: 'h|hr|hrs|hour|hours|hora|horas|jam|giờ|時間|ชั่วโมง',
};
const UNIT_CONNECTORS = ['in', 'en', 'em', 'dalam', 'trong'];

const NOT_LETTER_OR_DIGIT_RE = /[^\p{L}\p{N}]/gu;
const COMBINING_MARK_RE = /\p{M}/gu;

/** Header key insensitive to case, spacing, punctuation and accents: `Creator’s  Username` → `creatorsusername`. */
export function normaliseHeaderKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(COMBINING_MARK_RE, '')
    .toLowerCase()
    .replace(/đ/g, 'd')
    .replace(NOT_LETTER_OR_DIGIT_RE, '');
}

interface AliasEntry { field: CanonicalField; languages: HeaderLanguage[] }

function buildAliasIndex(): Map<string, AliasEntry> {
  const index = new Map<string, AliasEntry>();
  for (const field of Object.keys(ALIASES) as CanonicalField[]) {
    for (const [lang, list] of Object.entries(ALIASES[field]) as [HeaderLanguage, string][]) {
      for (const alias of list.split('|')) {
        const key = normaliseHeaderKey(alias);
        const existing = index.get(key);
        if (existing && existing.field !== field) {
          throw new Error(`header alias "${alias}" means both ${existing.field} and ${field}`);
        }
        if (existing) existing.languages.push(lang);
        else index.set(key, { field, languages: [lang] });
      }
    }
  }
  return index;
}

const ALIAS_INDEX = buildAliasIndex();
const LAST_MONTH_KEYS = LAST_MONTH_MARKERS.split('|').map(normaliseHeaderKey).sort((a, b) => b.length - a.length);
const UNIT_KEYS: Array<[string, DurationUnit]> = (Object.entries(HEADER_UNITS) as [DurationUnit, string][])
  .flatMap(([unit, list]) => list.split('|').map((w) => [normaliseHeaderKey(w), unit] as [string, DurationUnit]))
  .sort((a, b) => b[0].length - a[0].length);

/** What one header means. */
export interface ResolvedHeader {
  field: CanonicalField;
  /** A Backstage `… last month` column. */
  lastMonth: boolean;
  /** Unit named in a duration header (`Duration (min)`), if any. */
  unit?: DurationUnit;
  /** UTC offset named in the header (`Start time (UTC+7)`), in minutes east of UTC. */
  offsetMinutes?: number;
  languages: HeaderLanguage[];
}

function lookupWithUnit(key: string): { entry: AliasEntry; unit?: DurationUnit } | null {
  const entry = ALIAS_INDEX.get(key);
  if (entry) return { entry };
  for (const [unitKey, unit] of UNIT_KEYS) {
    if (!key.endsWith(unitKey)) continue;
    let base = key.slice(0, -unitKey.length);
    let found = ALIAS_INDEX.get(base);
    if (!found) {
      const connector = UNIT_CONNECTORS.find((c) => base.endsWith(c));
      if (connector) { base = base.slice(0, -connector.length); found = ALIAS_INDEX.get(base); }
    }
    if (found && found.field === 'duration') return { entry: found, unit };
  }
  return null;
}

/** Resolves one raw header to a canonical field, or null when it is not recognised. */
export function resolveHeader(header: string): ResolvedHeader | null {
  let text = header;
  let offsetMinutes: number | undefined;
  const offset = OFFSET_ANYWHERE_RE.exec(text);
  if (offset) {
    offsetMinutes = offsetFromMatch(offset[1], offset[2], offset[3]);
    text = text.slice(0, offset.index) + text.slice(offset.index + offset[0].length);
  }
  const key = normaliseHeaderKey(text);
  if (key.length === 0) return null;
  let lastMonth = false;
  let found = lookupWithUnit(key);
  if (!found) {
    for (const marker of LAST_MONTH_KEYS) {
      const base = key.endsWith(marker) ? key.slice(0, -marker.length) : key.startsWith(marker) ? key.slice(marker.length) : null;
      if (base === null || base.length === 0) continue;
      found = lookupWithUnit(base);
      if (found) { lastMonth = true; break; }
    }
  }
  if (!found) return null;
  return {
    field: found.entry.field,
    lastMonth,
    ...(found.unit ? { unit: found.unit } : {}),
    ...(offsetMinutes !== undefined ? { offsetMinutes } : {}),
    languages: found.entry.languages,
  };
}

// Labels of totals rows, normalised: `Total`, `Totales`, `Tổng cộng`, `合計`...
const TOTALS_WORDS = new Set(
  'total|totals|grand total|sum|summary|totales|total general|suma|totais|total geral|soma|jumlah|total keseluruhan|tổng|tổng cộng|合計|総計|รวม|ยอดรวม'
    .split('|')
    .map(normaliseHeaderKey),
);
const LEADING_WORD_RE = /^\s*([\p{L}\p{M}]+(?:\s+[\p{L}\p{M}]+)?)/u;

// First letters of the labels, so most cells (usernames on every row) skip the Unicode work.
const TOTALS_FIRST_CHARS = new Set([...TOTALS_WORDS].map((w) => w[0]));

/** True when a cell is exactly a totals label (`Total`, `Totales:`). */
export function isTotalsLabel(cell: string): boolean {
  if (cell.length === 0 || cell.length > 30) return false;
  const t = cell.trimStart();
  if (!TOTALS_FIRST_CHARS.has(t.charAt(0).toLowerCase()) && t.charCodeAt(0) < 128) return false;
  return TOTALS_WORDS.has(normaliseHeaderKey(t));
}

/** True when a cell starts with a totals label (`Total (30 LIVEs)`); only for cells that can't hold a name. */
export function startsWithTotalsLabel(cell: string): boolean {
  if (cell.length === 0) return false;
  const c = cell.charCodeAt(0);
  if (c >= 48 && c <= 57) return false; // dates and numbers start with a digit: the usual case, no regex
  const m = LEADING_WORD_RE.exec(cell);
  if (!m) return false;
  if (TOTALS_WORDS.has(normaliseHeaderKey(m[1]))) return true;
  const firstWord = m[1].split(/\s+/)[0];
  return TOTALS_WORDS.has(normaliseHeaderKey(firstWord));
}
