import winston from 'winston';
import { escapeNonPrintable } from '@medic/domain';
import type { AgentConfig } from './config';

export type Logger = winston.Logger;

/** Where winston keeps the finished line. */
const LINE = Symbol.for('message');

/** Text lines put kill_id first so `grep demo-1` finds every line about a kill. */
const textLine = winston.format.printf((info) => {
  const { level, message, timestamp, kill_id: killId, ...rest } = info as Record<string, unknown>;
  const tags = Object.entries(rest)
    .filter(([key, value]) => key !== 'splat' && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const kill = killId === undefined ? '' : ` kill_id=${String(killId)}`;
  return `${String(timestamp)} ${String(level)}${kill} ${String(message)}${tags ? ` ${tags}` : ''}`;
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
