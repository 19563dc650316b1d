import winston from 'winston';
import { escapeNonPrintable } from '@medic/domain';
import type { AgentConfig } from './config';

export type Logger = winston.Logger;

/** Where winston keeps the finished line. */
const LINE = Symbol.for('message');

const OWN_KEYS = new Set(['level', 'message', 'timestamp', 'kill_id', 'splat']);

/** Text lines put kill_id first so `grep demo-1` finds every line about a kill. One pass, no intermediate arrays: a line is written per kill. */
const textLine = winston.format.printf((info) => {
  const fields = info as Record<string, unknown>;
  let line = `${String(fields.timestamp)} ${String(fields.level)}`;
  if (fields.kill_id !== undefined) line += ` kill_id=${String(fields.kill_id)}`;
  line += ` ${String(fields.message)}`;
  for (const key in fields) {
    const value = fields[key];
    if (OWN_KEYS.has(key) || value === undefined || value === null) continue;
    line += ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`;
  }
  return line;
});

/**
 * The last step for every line: whatever a kill report put into a message or a field, the line holds no control,
 * format or bidi character, so nothing from input can end a line early or move a terminal's cursor. A JSON line
 * stays valid JSON with the same values.
 */
const printableLine = winston.format((info) => {
  const line = (info as Record<symbol, unknown>)[LINE];
  if (typeof line === 'string') (info as Record<symbol, unknown>)[LINE] = escapeNonPrintable(line);
  return info;
});

/** A winston logger writing text or JSON lines to stdout. */
export function createLogger(options: AgentConfig['logging'], stream?: NodeJS.WritableStream): Logger {
  const line = options.format === 'json' ? winston.format.json() : textLine;
  const format = winston.format.combine(winston.format.timestamp(), line, printableLine());
  const transport = stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console();
  return winston.createLogger({ level: options.level, format, transports: [transport] });
}
