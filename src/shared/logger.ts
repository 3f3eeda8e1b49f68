import winston from 'winston';

export type Logger = winston.Logger;

/** JSON lines on stdout: PM2 captures them (pm2 logs) and pm2-logrotate rotates the files. */
export function createLogger(processName: string, level = 'info'): Logger {
  return winston.createLogger({
    level,
    defaultMeta: { process: processName, pid: process.pid },
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports: [new winston.transports.Console({ stderrLevels: [] })],
  });
}

/** A logger that drops everything, for tests that do not care about log output. */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
