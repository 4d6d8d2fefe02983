/**
 * ISO 3166-1 regions and ISO 4217 currencies, from the ICU data Node ships (kept current with
 * each Node release) rather than a list of our own.
 */
const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' });
const currencies = new Set(Intl.supportedValuesOf('currency'));
/** Codes ICU names that are not ISO 3166-1 countries (groupings, the unknown region, UK for GB). */
const NOT_COUNTRIES = new Set(['EU', 'EZ', 'UN', 'UK', 'QO', 'ZZ', 'XA', 'XB']);

/** An ISO 3166-1 alpha-2 code, upper case (`US`, `DE`). */
export function isRegion(code: string): boolean {
  if (!/^[A-Z]{2}$/.test(code) || NOT_COUNTRIES.has(code)) return false;
  return regionNames.of(code) !== code;
}

/** An ISO 4217 code, upper case (`USD`, `EUR`). */
export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && currencies.has(code);
}
