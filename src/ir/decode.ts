/**
 * io-ts decoding with messages a user can act on: the path of the bad field and what was expected
 * ("bandwidth.row: expected a share of the maximum rate, in (0, 1], got 2"), instead of io-ts's
 * default report, which prints the whole codec's type for every error.
 */
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { FuseplanError } from './errors.js';

/** A number codec with a condition, named for the messages ('a positive number'). No brand: the type stays `number`. */
export function numberWhere(name: string, ok: (n: number) => boolean): t.Type<number, number, unknown> {
  const is = (u: unknown): u is number => typeof u === 'number' && ok(u);
  return new t.Type(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity);
}

export const positiveNumber = numberWhere('a positive number', (n) => Number.isFinite(n) && n > 0);
export const positiveInteger = numberWhere('a positive integer', (n) => Number.isSafeInteger(n) && n > 0);
export const nonNegativeInteger = numberWhere('a non-negative integer', (n) => Number.isSafeInteger(n) && n >= 0);
export const nonNegativeNumber = numberWhere('a non-negative number', (n) => Number.isFinite(n) && n >= 0);

const OBJECT_TAGS: ReadonlySet<string> = new Set(['InterfaceType', 'PartialType', 'IntersectionType', 'ExactType', 'StrictType', 'DictionaryType']);
const ARRAY_TAGS: ReadonlySet<string> = new Set(['ArrayType', 'ReadonlyArrayType']);
const tagOf = (d: t.Decoder<unknown, unknown>): string => (d as { _tag?: string })._tag ?? '';
/** Readonly and exact wrappers are transparent for messages: describe what they wrap. */
const unwrap = (d: t.Decoder<unknown, unknown>): t.Decoder<unknown, unknown> =>
  tagOf(d) === 'ReadonlyType' || tagOf(d) === 'ExactType' ? unwrap((d as unknown as { type: t.Decoder<unknown, unknown> }).type) : d;

function expected(d: t.Decoder<unknown, unknown>): string {
  const inner = unwrap(d);
  if (OBJECT_TAGS.has(tagOf(inner))) return 'an object';
  if (ARRAY_TAGS.has(tagOf(inner))) return 'an array';
  return d.name;
}

function show(u: unknown): string {
  const s = JSON.stringify(u) ?? String(u);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/**
 * One error as "path: expected X, got Y". Context entries under an intersection or union are
 * member indices, not keys; an error inside a union is reported at the union (each member's own
 * complaint about the same value says less than "expected one of these").
 */
function describeError(e: t.ValidationError): string {
  const ctx = e.context;
  const unionAt = ctx.findIndex((c) => tagOf(c.type) === 'UnionType');
  const upTo = unionAt >= 0 ? ctx.slice(0, unionAt + 1) : ctx;
  const keys: string[] = [];
  upTo.forEach((entry, i) => {
    const parent = i > 0 ? tagOf(unwrap(upTo[i - 1]!.type)) : '';
    if (i === 0 || parent === 'IntersectionType' || parent === 'UnionType') return;
    keys.push(/^\d+$/.test(entry.key) ? `[${entry.key}]` : `.${entry.key}`);
  });
  const last = upTo[upTo.length - 1]!;
  const path = keys.join('').replace(/^\./, '');
  const value = unionAt >= 0 ? last.actual : e.value;
  const what = value === undefined ? `missing (expected ${expected(last.type)})` : `expected ${expected(last.type)}, got ${show(value)}`;
  return path === '' ? what : `${path}: ${what}`;
}

/** The distinct problems, the first few of them, joined with '; '. */
export function describeErrors(errors: t.Errors, max = 4): string {
  const all = [...new Set(errors.map(describeError))];
  const shown = all.slice(0, max).join('; ');
  return all.length > max ? `${shown}; and ${all.length - max} more` : shown;
}

/** Decodes `value`, or FuseplanError('format') saying what `what` is not and why. */
export function decodeWith<A>(codec: t.Decoder<unknown, A>, value: unknown, what: string): E.Either<FuseplanError, A> {
  return E.mapLeft((errors: t.Errors) => new FuseplanError('format', `${what} (${describeErrors(errors)})`))(codec.decode(value));
}

/** JSON.parse as an Either: FuseplanError('format') naming the document on a syntax error. */
export function parseJSON(text: string, what: string): E.Either<FuseplanError, unknown> {
  return E.tryCatch(
    (): unknown => JSON.parse(text),
    (e) => new FuseplanError('format', `${what}: not JSON (${e instanceof Error ? e.message : String(e)})`),
  );
}

/**
 * `true` only when A and B are mutually assignable and have the same keys (optional ones
 * included), for compile-time checks that a codec and a type declared elsewhere agree:
 * `const ok: SameType<t.TypeOf<typeof C>, T> = true`.
 */
export type SameType<A, B> = [A] extends [B] ? ([B] extends [A] ? ([keyof A] extends [keyof B] ? ([keyof B] extends [keyof A] ? true : false) : false) : false) : false;
