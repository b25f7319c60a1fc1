/**
 * New passwords are checked with zxcvbn-ts (a maintained strength estimator with common-password, name and
 * keyboard-pattern dictionaries) instead of a hand-written list: "aaaaaaaaaa", "password123" or the user's
 * own email local part score 0–1. The user's email, its local part and name go in as user inputs, so a
 * password built from them scores low too. Minimum score 3 ("safely unguessable": ~10^8 guesses or more).
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { AppError } from '../../plugins/errors';

export const MIN_PASSWORD_SCORE = 3;

let estimator: ZxcvbnFactory | undefined;
function getEstimator(): ZxcvbnFactory {
  // Built on first use: loading the dictionaries takes a moment that processes without sign-ups never pay.
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return estimator;
}

/** The user's own words: the email, its local part split on separators, the name and agency name. */
export function userInputs(input: { email?: string; name?: string; agencyName?: string }): string[] {
  const words = new Set<string>();
  const add = (s?: string) => {
    const v = s?.trim().toLowerCase();
    if (v) words.add(v);
  };
  add(input.email);
  const local = input.email?.split('@')[0];
  add(local);
  for (const part of local?.split(/[._+-]+/) ?? []) if (part.length >= 3) add(part);
  add(input.name);
  for (const part of input.name?.split(/\s+/) ?? []) if (part.length >= 3) add(part);
  add(input.agencyName);
  return [...words];
}

/** 400 PASSWORD_TOO_WEAK naming the field, with zxcvbn's advice, unless the password scores at least 3. */
export function assertStrongPassword(password: string, inputs: { email?: string; name?: string; agencyName?: string }, field = 'password'): void {
  const result = getEstimator().check(password.slice(0, 100), userInputs(inputs));
  if (result.score >= MIN_PASSWORD_SCORE) return;
  const advice = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
  throw new AppError('PASSWORD_TOO_WEAK', `The ${field} is too easy to guess${advice ? `: ${advice}` : '.'}`, [
    { field, in: 'body', message: `is too easy to guess (strength ${result.score} of 4, at least ${MIN_PASSWORD_SCORE} needed)` },
  ]);
}
