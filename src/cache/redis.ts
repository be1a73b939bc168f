/**
 * Redis cache backend, shared by every replica.
 *
 * Exact entries are hashes with a PX expiry. Semantic entries keep their
 * vectors in Redis (one hash per partition, id → bytes) and each process holds
 * a mirror of the partitions it searched in a VectorBlock, so a lookup is a
 * local scan and not a round trip per vector. Every change to a partition
 * bumps its version and appends `add id` / `del id` to its change log (a
 * stream with the version as entry id); a search first reads the entries
 * past the version its mirror has and applies them, so replicas see each
 * other's writes at the cost of one round trip.
 *
 * Entry age uses the injected clock, like the other backends; Redis's own
 * expiry (TTL plus a grace for clock skew) only reclaims memory.
 */
import { endianness } from 'node:os';
import { IncontextError } from '../core/index.js';
import { openRedisConnection, RedisScript, type RedisConnection, type RedisStoreOptions } from '../gateway/index.js';
import { DEFAULT_MAX_ENTRIES } from './memory.js';
import type { CacheBackend, CacheBackendOptions, CachedResponse, CacheSizes, SemanticHit } from './types.js';
import { VectorBlock } from './vectors.js';

export interface RedisCacheOptions extends CacheBackendOptions, RedisStoreOptions {
  /** Namespace for every key. Default `incontext:cache:`. Use a `{hash tag}` to keep all keys in one Redis Cluster slot. */
  prefix?: string;
  /** Partitions whose vectors this process keeps a local copy of (least recently searched dropped first). Default 256. */
  maxMirroredPartitions?: number;
}

/** Redis may keep an entry this much past its TTL (it is never returned then), covering clock skew between hosts. */
const EXPIRY_GRACE_MS = 60_000;
/** Change-log entries kept per partition; a mirror further behind reloads the partition. */
const LOG_MAX = 10_000;

/**
 * Shared Lua: key names and the removal of one entry with all its index
 * entries. Every script gets the prefix as ARGV[1].
 */
const COMMON = `
local P = ARGV[1]
local XLRU, SLRU, PROJECTS, PARTS = P .. 'x:lru', P .. 's:lru', P .. 'projects', P .. 's:parts'
local function log(part, op, id)
  local ver = redis.call('INCR', P .. 's:ver:' .. part)
  redis.call('XADD', P .. 's:log:' .. part, 'MAXLEN', '~', ${LOG_MAX}, ver .. '-0', 'op', op, 'id', id)
end
local function dropx(key)
  redis.call('DEL', P .. 'x:e:' .. key)
  redis.call('ZREM', XLRU, key)
  local p = redis.call('HGET', P .. 'x:projof', key)
  if p then
    redis.call('SREM', P .. 'x:proj:' .. p, key)
    redis.call('HDEL', P .. 'x:projof', key)
  end
end
local function drops(id)
  redis.call('ZREM', SLRU, id)
  local m = redis.call('HMGET', P .. 's:m:' .. id, 'part', 'p', 'q')
  if not m[1] then return end
  redis.call('DEL', P .. 's:m:' .. id)
  redis.call('HDEL', P .. 's:vec:' .. m[1], id)
  if redis.call('HGET', P .. 's:q:' .. m[1], m[3]) == id then redis.call('HDEL', P .. 's:q:' .. m[1], m[3]) end
  redis.call('SREM', P .. 's:proj:' .. m[2], id)
  log(m[1], 'del', id)
end
-- Entries unused since before now - ttl are certainly expired; then the least recently used beyond max.
local function evict(lru, before, max, drop)
  if before then
    for _, k in ipairs(redis.call('ZRANGEBYSCORE', lru, '-inf', before, 'LIMIT', 0, 1000)) do drop(k) end
  end
  local n = redis.call('ZCARD', lru)
  if max and n > max then
    for _, k in ipairs(redis.call('ZRANGE', lru, 0, n - max - 1)) do drop(k) end
  end
end
`;

/** ARGV: P, key, now, ttl|'', stamp. */
const GET_EXACT = new RedisScript(`${COMMON}
local key, now, ttl = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local h = redis.call('HMGET', P .. 'x:e:' .. key, 'v', 't')
if not h[1] then
  if redis.call('ZSCORE', XLRU, key) then dropx(key) end
  return false
end
if ttl and now - tonumber(h[2]) >= ttl then
  dropx(key)
  return false
end
redis.call('ZADD', XLRU, ARGV[5], key)
return h[1]
`);

/** ARGV: P, key, project, value, now, ttl|'', stamp, max, px|''. */
const SET_EXACT = new RedisScript(`${COMMON}
local key, project, now, ttl = ARGV[2], ARGV[3], tonumber(ARGV[5]), tonumber(ARGV[6])
local ek = P .. 'x:e:' .. key
local old = redis.call('HGET', P .. 'x:projof', key)
if old and old ~= project then redis.call('SREM', P .. 'x:proj:' .. old, key) end
redis.call('DEL', ek)
redis.call('HSET', ek, 'v', ARGV[4], 'p', project, 't', ARGV[5])
if ARGV[9] ~= '' then redis.call('PEXPIRE', ek, ARGV[9]) end
redis.call('ZADD', XLRU, ARGV[7], key)
redis.call('SADD', P .. 'x:proj:' .. project, key)
redis.call('HSET', P .. 'x:projof', key, project)
redis.call('SADD', PROJECTS, project)
evict(XLRU, ttl and (now - ttl), tonumber(ARGV[8]), dropx)
return 1
`);

/** ARGV: P, partition, project, query, vector bytes, value, now, ttl|'', stamp, max. Returns the new id. */
const SET_SEMANTIC = new RedisScript(`${COMMON}
local part, project, query, now, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[7]), tonumber(ARGV[8])
local old = redis.call('HGET', P .. 's:q:' .. part, query)
if old then drops(old) end
local id = tostring(redis.call('INCR', P .. 's:seq'))
redis.call('HSET', P .. 's:m:' .. id, 'part', part, 'p', project, 'q', query, 'v', ARGV[6], 't', ARGV[7])
redis.call('HSET', P .. 's:vec:' .. part, id, ARGV[5])
redis.call('HSET', P .. 's:q:' .. part, query, id)
redis.call('SADD', P .. 's:proj:' .. project, id)
redis.call('SADD', PROJECTS, project)
redis.call('SADD', PARTS, part)
redis.call('ZADD', SLRU, ARGV[9], id)
log(part, 'add', id)
evict(SLRU, ttl and (now - ttl), tonumber(ARGV[10]), drops)
return id
`);

/** ARGV: P, id, stamp. Touches the entry; nil when another replica removed it meanwhile. */
const HIT_SEMANTIC = new RedisScript(`${COMMON}
local h = redis.call('HMGET', P .. 's:m:' .. ARGV[2], 'q', 'v')
if not h[1] then return false end
redis.call('ZADD', SLRU, 'XX', ARGV[3], ARGV[2])
return h
`);

/** ARGV: P, project ('' with ARGV[3] = 'all' for everything). */
const CLEAR = new RedisScript(`${COMMON}
if ARGV[3] ~= 'all' then
  local project = ARGV[2]
  for _, key in ipairs(redis.call('SMEMBERS', P .. 'x:proj:' .. project)) do dropx(key) end
  for _, id in ipairs(redis.call('SMEMBERS', P .. 's:proj:' .. project)) do drops(id) end
  redis.call('DEL', P .. 'x:proj:' .. project, P .. 's:proj:' .. project)
  redis.call('SREM', PROJECTS, project)
  return 1
end
for _, key in ipairs(redis.call('ZRANGE', XLRU, 0, -1)) do redis.call('DEL', P .. 'x:e:' .. key) end
for _, id in ipairs(redis.call('ZRANGE', SLRU, 0, -1)) do redis.call('DEL', P .. 's:m:' .. id) end
for _, project in ipairs(redis.call('SMEMBERS', PROJECTS)) do redis.call('DEL', P .. 'x:proj:' .. project, P .. 's:proj:' .. project) end
-- Versions only ever grow, so a mirror can never mistake a refilled partition for the one it holds.
for _, part in ipairs(redis.call('SMEMBERS', PARTS)) do
  redis.call('DEL', P .. 's:vec:' .. part, P .. 's:q:' .. part, P .. 's:log:' .. part)
  log(part, 'reset', '0')
end
redis.call('DEL', XLRU, SLRU, PROJECTS, PARTS, P .. 'x:projof')
return 1
`);

/** ARGV: P, now, ttl|''. Drops what is certainly expired, then counts. */
const SIZE = new RedisScript(`${COMMON}
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
if ttl then
  evict(XLRU, now - ttl, nil, dropx)
  evict(SLRU, now - ttl, nil, drops)
end
return {redis.call('ZCARD', XLRU), redis.call('ZCARD', SLRU)}
`);

/** Stored per id: creation time (float64) then the vector (float32), little-endian. */
const LITTLE_ENDIAN = endianness() === 'LE';

function encodeVector(createdAt: number, v: Float32Array): Buffer {
  const out = Buffer.alloc(8 + v.length * 4);
  out.writeDoubleLE(createdAt, 0);
  if (LITTLE_ENDIAN) out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), 8);
  else for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i]!, 8 + i * 4);
  return out;
}

function decodeVector(b: Buffer): { createdAt: number; vector: Float32Array } {
  const vector = new Float32Array((b.byteLength - 8) / 4);
  // A byte copy, not a view: the Buffer may sit unaligned in a shared pool slab.
  if (LITTLE_ENDIAN) new Uint8Array(vector.buffer).set(b.subarray(8, 8 + vector.byteLength));
  else for (let i = 0; i < vector.length; i++) vector[i] = b.readFloatLE(8 + i * 4);
  return { createdAt: b.readDoubleLE(0), vector };
}

/** The local copy of one partition; one block per dimension count, as the embedder may change. */
interface Mirror {
  version: number;
  blocks: Map<number, VectorBlock<number>>;
  createdAt: Map<number, number>;
}

export function openRedisCacheBackend(options: RedisCacheOptions): CacheBackend {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const ttl = options.ttlMs === undefined ? '' : String(options.ttlMs);
  const P = options.prefix ?? 'incontext:cache:';
  const redis: RedisConnection = openRedisConnection(options);
  const mirrors = new Map<string, Mirror>();
  const maxMirrors = options.maxMirroredPartitions ?? 256;
  let lastStamp = 0;
  /** Strictly increasing so LRU order is total within this process even inside one millisecond. */
  const stamp = () => String((lastStamp = Math.max(now(), lastStamp + 1)));
  const live = (createdAt: number | undefined) => createdAt !== undefined && (options.ttlMs === undefined || now() - createdAt < options.ttlMs);

  const guarded = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw redis.fail(error, `cache ${what}`);
    }
  };

  const put = (m: Mirror, id: number, bytes: Buffer) => {
    const { createdAt, vector } = decodeVector(bytes);
    for (const block of m.blocks.values()) block.remove(id);
    let block = m.blocks.get(vector.length);
    if (!block) m.blocks.set(vector.length, (block = new VectorBlock<number>(vector.length)));
    block.add(id, vector);
    m.createdAt.set(id, createdAt);
  };
  const forget = (m: Mirror, id: number) => {
    for (const block of m.blocks.values()) block.remove(id);
    m.createdAt.delete(id);
  };

  /** Version first, vectors second: a write in between is replayed from the log later, and replay is idempotent. */
  const load = async (partition: string): Promise<Mirror> => {
    const [ver, vectors] = await Promise.all([
      redis.client.get(`${P}s:ver:${partition}`),
      redis.client.hgetallBuffer(`${P}s:vec:${partition}`),
    ]);
    const m: Mirror = { version: Number(ver ?? 0), blocks: new Map(), createdAt: new Map() };
    for (const [id, bytes] of Object.entries(vectors)) put(m, Number(id), bytes);
    mirrors.set(partition, m);
    return m;
  };

  const refresh = async (partition: string): Promise<Mirror> => {
    const m = mirrors.get(partition);
    if (!m) {
      // Least recently searched mirrors go first, so partitions nobody asks about stop costing memory.
      while (mirrors.size >= maxMirrors) mirrors.delete(mirrors.keys().next().value!);
      return load(partition);
    }
    mirrors.delete(partition);
    mirrors.set(partition, m);
    const [ver, entries] = await Promise.all([
      redis.client.get(`${P}s:ver:${partition}`),
      redis.client.xrange(`${P}s:log:${partition}`, `${m.version + 1}-0`, '+'),
    ]);
    const version = Number(ver ?? 0);
    if (version === m.version) return m;
    // Behind the trimmed log, or the data was flushed under us: start over.
    if (version < m.version || entries[0]?.[0] !== `${m.version + 1}-0`) return load(partition);
    const added: number[] = [];
    for (const [entryId, fields] of entries) {
      const op = fields[1];
      const id = Number(fields[3]);
      if (op === 'reset') {
        m.blocks.clear();
        m.createdAt.clear();
        added.length = 0;
      } else if (op === 'del') forget(m, id);
      else added.push(id);
      m.version = Number(entryId.split('-')[0]);
    }
    if (added.length > 0) {
      const vectors = await redis.client.hmgetBuffer(`${P}s:vec:${partition}`, ...added.map(String));
      // A null means a later entry already deleted it.
      added.forEach((id, i) => {
        const bytes = vectors[i];
        if (bytes) put(m, id, bytes);
      });
    }
    return m;
  };

  return {
    getExact(key) {
      return guarded('read', async () => {
        const value = (await redis.run(GET_EXACT, [], [P, key, String(now()), ttl, stamp()])) as string | null;
        return value === null ? undefined : (JSON.parse(value) as CachedResponse);
      });
    },
    setExact(key, projectId, value) {
      const px = options.ttlMs === undefined ? '' : String(options.ttlMs + EXPIRY_GRACE_MS);
      return guarded('write', async () => {
        await redis.run(SET_EXACT, [], [P, key, projectId, JSON.stringify(value), String(now()), ttl, stamp(), String(max), px]);
      });
    },
    searchSemantic(partition, vector, threshold): Promise<SemanticHit | undefined> {
      return guarded('search', async () => {
        const m = await refresh(partition);
        const block = m.blocks.get(vector.length);
        if (!block) return undefined;
        // A candidate another replica removed since the refresh is dropped and the next best tried.
        for (let attempt = 0; attempt < 3; attempt++) {
          const best = block.nearest(vector, (id) => live(m.createdAt.get(id)), threshold);
          if (!best || best.score < threshold) return undefined;
          const row = (await redis.run(HIT_SEMANTIC, [], [P, String(best.id), stamp()])) as [string, string] | null;
          if (row) return { value: JSON.parse(row[1]) as CachedResponse, score: best.score, query: row[0] };
          forget(m, best.id);
        }
        return undefined;
      });
    },
    setSemantic(partition, projectId, query, vector, value) {
      for (const x of vector) {
        if (!Number.isFinite(x)) {
          return Promise.reject(
            new IncontextError('BAD_REQUEST', 'Cache vector holds a non-finite number', { hint: 'check the embedder output' }),
          );
        }
      }
      return guarded('write', async () => {
        const created = now();
        await redis.run(SET_SEMANTIC, [], [
          P, partition, projectId, query, encodeVector(created, vector), JSON.stringify(value),
          String(created), ttl, stamp(), String(max),
        ]);
      });
    },
    clear(projectId) {
      return guarded('clear', async () => {
        await redis.run(CLEAR, [], [P, projectId ?? '', projectId === undefined ? 'all' : 'one']);
      });
    },
    size(): Promise<CacheSizes> {
      return guarded('count', async () => {
        const [exact, semantic] = (await redis.run(SIZE, [], [P, String(now()), ttl])) as [number, number];
        return { exact, semantic };
      });
    },
    async close() {
      mirrors.clear();
      await redis.close();
    },
  };
}
