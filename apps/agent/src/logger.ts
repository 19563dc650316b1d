import winston from 'winston';
import type { AgentConfig } from './config';

export type Logger = winston.Logger;

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

/** A winston logger writing text or JSON lines to stdout. */
export function createLogger(options: AgentConfig['logging'], stream?: NodeJS.WritableStream): Logger {
  const format =
    options.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(winston.format.timestamp(), textLine);
  const transport = stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console();
  return winston.createLogger({ level: options.level, format, transports: [transport] });
}
