import { Transform, TransformCallback } from 'node:stream';
import { AppError } from './errors';

/** Passes bytes through until `limit`, then fails the stream with a 413 AppError. */
export class ByteCap extends Transform {
  private seen = 0;

  constructor(private readonly limit: number, private readonly what = 'media') {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) return done(new AppError('payload_too_large', `${this.what} is larger than the limit of ${this.limit} bytes`, { limit: this.limit }));
    done(null, chunk);
  }
}
