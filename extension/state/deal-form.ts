import { DEAL_STAGES, type DealInput, type DealStage } from '../lib/api-types';

export interface DealFormValues { creatorId: string; brand: string; value: string; currency: string; stage: string; dueDate: string; note: string }
export type DealFormErrors = Partial<Record<keyof DealFormValues, string>>;

/** Minor-unit digits per currency (ISO 4217), through Intl; unknown codes → null. */
export function currencyDigits(currency: string): number | null {
  if (!/^[A-Z]{3}$/.test(currency)) return null;
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return null;
  }
}

/** "1,234.5" in USD → 123450 (integer minor units, no float drift); null when not a valid amount. */
export function parseMoneyAmount(text: string, currency: string): number | null {
  const digits = currencyDigits(currency);
  if (digits === null) return null;
  const clean = text.trim().replace(/[\s,_]/g, '');
  const match = /^(\d+)(?:\.(\d*))?$/.exec(clean);
  if (!match) return null;
  const [, whole, fraction = ''] = match;
  if (fraction.length > digits) return null;
  const amount = Number(whole) * 10 ** digits + Number((fraction + '0'.repeat(digits)).slice(0, digits) || '0');
  return Number.isSafeInteger(amount) ? amount : null;
}

/** Checks the popup's form and builds the `POST /api/v1/deals` body, or says what to fix. */
export function buildDealInput(values: DealFormValues): { input: DealInput; errors?: undefined } | { input?: undefined; errors: DealFormErrors } {
  const errors: DealFormErrors = {};
  const currency = values.currency.trim().toUpperCase();
  if (!values.creatorId) errors.creatorId = 'Pick a creator in the roster';
  const brand = values.brand.trim();
  if (!brand) errors.brand = 'Brand is required';
  const amount = parseMoneyAmount(values.value, currency);
  if (currencyDigits(currency) === null) errors.currency = 'Use a 3-letter currency code';
  else if (amount === null) errors.value = 'Enter an amount like 1500 or 1500.50';
  if (values.stage && !(DEAL_STAGES as readonly string[]).includes(values.stage)) errors.stage = 'Unknown stage';
  if (values.dueDate && !/^\d{4}-\d{2}-\d{2}$/.test(values.dueDate)) errors.dueDate = 'Use YYYY-MM-DD';
  if (Object.keys(errors).length) return { errors };
  const input: DealInput = { creatorId: values.creatorId, brand, value: { amount: amount!, currency } };
  if (values.stage) input.stage = values.stage as DealStage;
  if (values.dueDate) input.dueDate = new Date(`${values.dueDate}T00:00:00.000Z`).toISOString();
  if (values.note.trim()) input.notes = values.note.trim();
  return { input };
}
