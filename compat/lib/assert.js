'use strict';
// Assertions that fail with ONE readable line (the runner prints it after FAIL), comparing
// exactly what the happn-3 client handed back: values, counts and order.

const { inspect } = require('node:util');

// isDeepStrictEqual cannot be used: the Primus client decodes frames inside its own vm context,
// so arrays and objects from the wire have another realm's prototypes. same() compares
// structure and values only (key order ignored, -0 equals 0, NaN equals NaN).
function same(a, b) {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const aa = Array.isArray(a);
  if (aa !== Array.isArray(b)) return false;
  if (aa) return a.length === b.length && a.every((v, i) => same(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

/** AssertionFailure is thrown by every helper here; the runner prints its message. */
class AssertionFailure extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionFailure';
  }
}

function show(v) {
  return inspect(v, { depth: 6, breakLength: Infinity, compact: true, maxArrayLength: 30 });
}

function fail(label, detail) {
  throw new AssertionFailure(label ? `${label}: ${detail}` : detail);
}

/** eq passes when actual deep-equals expected (strict; plain objects, arrays, primitives). */
function eq(actual, expected, label) {
  if (!same(actual, expected)) {
    fail(label, `expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** ok passes when cond is truthy. */
function ok(cond, label) {
  if (!cond) fail(label, 'expected a true condition');
}

/**
 * match passes when every key of expected is deep-equal in actual (other keys of actual are
 * ignored). Nested plain objects in expected are matched the same way; arrays must match exactly.
 * A function in expected is a predicate on the actual value.
 */
function match(actual, expected, label, where = '') {
  if (typeof expected === 'function') {
    if (!expected(actual)) fail(label, `${where || 'value'} ${show(actual)} fails ${expected.name || 'predicate'}`);
    return;
  }
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    if (!actual || typeof actual !== 'object') {
      fail(label, `${where || 'value'}: expected an object like ${show(expected)}, got ${show(actual)}`);
    }
    for (const key of Object.keys(expected)) {
      match(actual[key], expected[key], label, where ? `${where}.${key}` : key);
    }
    return;
  }
  if (!same(actual, expected)) {
    fail(label, `${where || 'value'}: expected ${show(expected)}, got ${show(actual)}`);
  }
}

/** keys passes when the own keys of obj are exactly names (order ignored). */
function keys(obj, names, label) {
  const got = Object.keys(obj || {}).sort();
  const want = [...names].sort();
  if (!same(got, want)) fail(label, `expected keys ${show(want)}, got ${show(got)}`);
}

/** absent passes when obj has none of names as own keys. */
function absent(obj, names, label) {
  const present = names.filter((k) => Object.prototype.hasOwnProperty.call(obj || {}, k));
  if (present.length) fail(label, `expected no ${show(present)} in ${show(obj)}`);
}

/**
 * rejects awaits p and passes when it rejects with an error whose fields match expected
 * (e.g. {name:'Error', message:/^Bad path/, code:403}); RegExp values test strings.
 */
async function rejects(p, expected, label) {
  let value;
  try {
    value = await p;
  } catch (e) {
    for (const [k, want] of Object.entries(expected || {})) {
      const got = e && e[k];
      const good = want instanceof RegExp ? typeof got === 'string' && want.test(got) : same(got, want);
      if (!good) fail(label, `error.${k}: expected ${show(want)}, got ${show(got)} (error ${show(e && e.message)})`);
    }
    return e;
  }
  fail(label, `expected a rejection, got ${show(value)}`);
}

/** strip returns a copy of a client result without its _meta (for comparing data only). */
function strip(item) {
  if (item === null || typeof item !== 'object') return item;
  if (Array.isArray(item)) return item.map(strip);
  const { _meta, ...rest } = item; // eslint-disable-line no-unused-vars
  return rest;
}

const isNum = function isNumber(v) {
  return typeof v === 'number' && Number.isFinite(v);
};
const isStr = function isNonEmptyString(v) {
  return typeof v === 'string' && v.length > 0;
};
const isAbsent = function isUndefined(v) {
  return v === undefined;
};

module.exports = { AssertionFailure, same, eq, ok, match, keys, absent, rejects, strip, show, isNum, isStr, isAbsent };
