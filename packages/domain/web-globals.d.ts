// The two web-platform globals the core uses (every runtime Medic supports has them), declared so that its build needs
// neither Node's nor the DOM's type library, and cannot reach for timers, process or Buffer by accident.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare function structuredClone<T>(value: T): T;
