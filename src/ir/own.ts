/**
 * User-chosen names (inputs, outputs, dims) are used as object keys. `obj[name] = v` with the name
 * `__proto__` replaces the prototype instead of adding a key, and `obj[name]` with `constructor` or
 * `toString` finds Object.prototype's members; these helpers only ever touch own properties.
 */
export function putOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** obj[key] if obj has it as an own property, else undefined. */
export function getOwn<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
