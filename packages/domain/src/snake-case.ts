/** `Name` in snake_case: `killId` → `kill_id`. */
export type SnakeCase<Name extends string> = Name extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : Name;

/** The chosen fields of an object under their snake_case names. */
export type SnakeCased<T, K extends keyof T & string> = { [P in K as SnakeCase<P>]: T[P] };

const names = new Map<string, string>();

function snakeCase(name: string): string {
  let snake = names.get(name);
  if (snake === undefined) {
    snake = name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    names.set(name, snake);
  }
  return snake;
}

/**
 * The `keys` of `value`, in that order, under their snake_case names: the one mapping from the domain's camelCase fields
 * to the snake_case JSON of the wire format, the API and the webhook bodies. Values are copied as they are, not converted.
 */
export function snakeCased<T extends object, const K extends keyof T & string>(value: T, keys: readonly K[]): SnakeCased<T, K> {
  const out: Record<string, unknown> = {};
  for (const key of keys) out[snakeCase(key)] = value[key];
  return out as SnakeCased<T, K>;
}
