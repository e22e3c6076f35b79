/** Parsers for command-line values, each failing with a message that names the flag and the accepted form. */
import { InvalidArgumentError } from "commander";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`expected a port number from 0 to 65535, got '${value}'`);
  }
  return port;
}

const SIZE_UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  ki: 1024,
  m: 1e6,
  mb: 1e6,
  mi: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gi: 1024 ** 3,
};

/** A byte size as Dapr's `--max-body-size` takes it: `4Mi`, `512Ki`, `10MB`, or plain bytes. */
export function parseSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new InvalidArgumentError(`expected a size such as 4Mi, 512Ki, 10MB or 1048576, got '${value}'`);
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1) throw new InvalidArgumentError(`the size must be at least 1 byte, got '${value}'`);
  return bytes;
}

export function parsePositive(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) {
    throw new InvalidArgumentError(`expected a number from 0, got '${value}'`);
  }
  return number;
}
