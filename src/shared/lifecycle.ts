import type { Server } from 'node:http';
import type { Express } from 'express';
import { Config, ConfigError, loadConfig } from './config';
import { createLogger, Logger } from './logger';

export type ProcessName = 'whatsapp-server' | 'message-worker' | 'webhook-worker' | 'broadcast-worker';

export interface Running {
  /** stop taking work, finish active work, close queues and Redis */
  close(): Promise<void>;
}

/** Tells PM2 (wait_ready) the process is ready: port listening and Redis connected. */
export function signalReady(logger: Logger): void {
  logger.info('ready');
  if (process.send) process.send('ready');
}

export class PortInUseError extends Error {
  constructor(readonly port: number, readonly host: string) {
    super(`port ${port} on ${host} is already in use; stop the other process or set the port variable`);
  }
}

export function listen(app: Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host);
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(port, host) : err));
    // Keep-alive sockets from the workers must outlive their agents' idle timeout.
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  });
}

/**
 * Stops listening and resolves once every connection is gone. A keep-alive connection that is busy
 * when close() is called would stay open for as long as its client keeps sending (a worker's pool
 * under load, a poller): each further request on it is answered with Connection: close, and
 * connections are dropped as soon as they go idle.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.prependListener('request', (_req, res) => {
      if (!res.headersSent) res.setHeader('connection', 'close');
    });
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
    server.closeIdleConnections();
  });
}

/** Logs what would otherwise kill the process: a socket crash never takes the daemon down. */
export function installProcessGuards(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection', { error: reason instanceof Error ? reason.stack : String(reason) });
  });
  process.on('uncaughtException', (err) => {
    logger.error('uncaught exception', { error: err.stack ?? err.message });
  });
}

/**
 * Runs a process: config once, logger, guards, start, ready, and graceful shutdown on
 * SIGINT/SIGTERM. A second signal or the shutdown timeout forces exit 1.
 */
export function runProcess(name: ProcessName, start: (config: Config, logger: Logger) => Promise<Running>): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', process: name, message: (err as Error).message }));
    process.exit(1);
  }
  const logger = createLogger(name, config.LOG_LEVEL);
  installProcessGuards(logger);
  let running: Running | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      logger.warn('second signal, forcing exit', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => {
      logger.error('shutdown timed out, forcing exit', { timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    force.unref();
    Promise.resolve(running?.close())
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: Error) => {
        logger.error('shutdown failed', { error: err.message });
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // PM2 sends 'shutdown' over IPC on Windows and with shutdown_with_message.
  process.on('message', (msg) => msg === 'shutdown' && shutdown('shutdown message'));
  start(config, logger).then(
    (r) => {
      running = r;
      if (stopping) void r.close();
    },
    (err: Error) => {
      const message = err instanceof PortInUseError || err instanceof ConfigError ? err.message : err.stack ?? err.message;
      logger.error(`start failed: ${message}`);
      process.exit(1);
    },
  );
}
