/** `logger:` — log level and format. All optional. */
import { z } from 'zod';
import { text } from '../fields.ts';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'text'] as const;

export const loggerSchema = z
  .strictObject({
    level: z.enum(LOG_LEVELS).prefault('info').describe('minimum level logged'),
    format: z.enum(LOG_FORMATS).prefault('json').describe('json lines or human-readable text'),
    file: text()
      .optional()
      .describe("write log lines to this file (appended; relative to the config file's directory) instead of stdout"),
  })
  .prefault({})
  .describe('logging');
