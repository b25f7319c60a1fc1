/** Money helpers: amounts are integer minor units with an ISO 4217 currency (API.md). */

// Currencies whose minor unit is not 1/100 (ISO 4217); everything else has two decimals.
const MINOR_UNIT_DIGITS: Record<string, number> = { JPY: 0, KRW: 0, VND: 0, IDR: 0, CLP: 0, ISK: 0, HUF: 2, BHD: 3, KWD: 3, OMR: 3, TND: 3, JOD: 3 };

export function minorUnitDigits(currency: string): number {
  return MINOR_UNIT_DIGITS[currency] ?? 2;
}

/** "USD 1,250.00" — stable across locales so logs and timelines read the same everywhere. */
export function formatMoney(value: { amount: number; currency: string }): string {
  const digits = minorUnitDigits(value.currency);
  const major = value.amount / 10 ** digits;
  return `${value.currency} ${major.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

/** Parses what a person types ("1,250.5") into minor units; null when it is not an amount. */
export function parseMoneyInput(input: string, currency: string): number | null {
  const cleaned = input.trim().replace(/[\s,]/g, '');
  if (!/^\d+(\.\d+)?$/.test(cleaned)) return null;
  const digits = minorUnitDigits(currency);
  const [whole, fraction = ''] = cleaned.split('.');
  if (fraction.length > digits) return null;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

/** Diamonds to money at a dated, per-agency rate (TikTok publishes no fixed rate). */
export function diamondsToMinorUnits(diamonds: number, ratePerDiamondMinor: number): number {
  return Math.round(diamonds * ratePerDiamondMinor);
}
