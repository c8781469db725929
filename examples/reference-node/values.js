// Reading values we did not write (orders, answers): text, integers and objects the way a
// cashier's system means them, never throwing on a surprise.
'use strict';

/** A plain JSON object (not null, not an array). */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value as text: a non-empty string, or a number other than 0; null for null, '', 0,
 * false and anything else (the truthiness the Python reference follows).
 */
function text(value) {
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number') return value === 0 || !Number.isFinite(value) ? null : String(value);
  if (value === true) return 'true';
  return null;
}

/** A value as an integer (a number, or a string of one); 0 when absent or not a number. */
function int(value) {
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** `obj[key]` when `obj` is an object, else undefined. */
function field(obj, key) {
  return isObject(obj) ? obj[key] : undefined;
}

module.exports = { isObject, text, int, field };
