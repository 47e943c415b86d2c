/** `logger:` — log level and format. All optional. */
import { z } from 'zod';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'text'] as const;

export const loggerSchema = z
  .strictObject({
    level: z.enum(LOG_LEVELS).prefault('info').describe('minimum level logged'),
    format: z.enum(LOG_FORMATS).prefault('json').describe('json lines or human-readable text'),
  })
  .prefault({})
  .describe('logging');
