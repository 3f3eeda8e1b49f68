/**
 * A separate OS process that patches one field of one registry entry N times, through the
 * compiled registry (dist/). Used by instance-registry.test.ts: two of these run at once, each on
 * its own field, and no update of either may be lost.
 * argv: redisUrl prefix instanceId field tag count
 * Prints one JSON line: { lost, last } (lost = reads after our own patch that showed another value
 * in our field, i.e. the other process wrote back a stale copy of it).
 */
const path = require('node:path');
const IORedis = require('ioredis');
const dist = path.join(__dirname, '..', '..', 'dist');
const { InstanceRegistry } = require(path.join(dist, 'whatsapp', 'instances', 'registry.js'));
const { redisKeys } = require(path.join(dist, 'shared', 'keys.js'));

async function main() {
  const [url, prefix, instanceId, field, tag, countArg] = process.argv.slice(2);
  const count = Number(countArg);
  const redis = new IORedis(url);
  const registry = new InstanceRegistry(redis, redisKeys(prefix));
  // Barrier: both writers start patching at the same moment, so their patches interleave.
  await redis.incr(`${prefix}:barrier`);
  while (Number(await redis.get(`${prefix}:barrier`)) < 2) await new Promise((r) => setTimeout(r, 2));
  let lost = 0;
  let last;
  for (let i = 0; i < count; i++) {
    last = `${tag}-${i}`;
    const written = await registry.patch(instanceId, { [field]: last });
    if (!written || written[field] !== last) throw new Error(`patch ${i} returned ${JSON.stringify(written)}`);
    const read = await registry.get(instanceId);
    if (read[field] !== last) lost++;
  }
  process.stdout.write(`${JSON.stringify({ lost, last })}\n`);
  redis.disconnect();
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
