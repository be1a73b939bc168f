import type { Metadata } from '../core/index.js';
import type { DocumentEntry } from './types.js';

/** Short passages on unrelated topics, so keyword and vector tests have one clear right answer. */
export const PASSAGES = {
  volcano:
    "Volcanoes form where molten rock, called magma, rises through the Earth's crust. When pressure from dissolved gases builds up, an eruption can hurl ash high into the atmosphere while lava flows down the slopes. Shield volcanoes such as Mauna Loa erupt gently, whereas stratovolcanoes like Mount St. Helens explode violently.",
  sourdough:
    'Sourdough bread is leavened by a starter, a culture of wild yeast and lactic acid bacteria kept alive by regular feedings of flour and water. Bakers mix the starter into the dough, let it ferment slowly for many hours, then bake it in a very hot oven. The long fermentation gives the loaf its tangy flavour and open crumb.',
  tcp:
    'TCP congestion control keeps senders from overwhelming the network. A connection starts in slow start, doubling its congestion window every round trip, until a packet is lost. Algorithms such as Reno halve the window after a loss, while CUBIC grows it along a cubic curve to recover bandwidth quickly on fast links.',
  photosynthesis:
    'Photosynthesis lets plants turn light into chemical energy. Chlorophyll in the chloroplasts absorbs sunlight, which drives the splitting of water and releases oxygen. The Calvin cycle then fixes carbon dioxide from the air into sugars that the plant uses to grow.',
  aqueduct:
    'Roman aqueducts carried water from distant springs into cities using only gravity. Engineers surveyed a gentle, constant slope over many kilometres, building arches across valleys and tunnels through hills. The Pont du Gard in southern France is among the best preserved examples.',
  jazz:
    'Jazz grew out of New Orleans at the start of the twentieth century, blending blues, ragtime and brass band music. Improvisation is at its heart: musicians such as Louis Armstrong turned solos into the centre of a performance. Later, bebop players like Charlie Parker pushed the harmony into faster, more complex forms.',
} as const;

export type Topic = keyof typeof PASSAGES;
export const TOPICS = Object.keys(PASSAGES) as Topic[];

/** Topic i points mostly along axis i with a little of axis i+1: cosine order against any axis is known. */
export function topicVector(topic: Topic): number[] {
  const i = TOPICS.indexOf(topic);
  const v = new Array<number>(TOPICS.length).fill(0);
  v[i] = 1;
  v[(i + 1) % TOPICS.length] = 0.1;
  return v;
}

export function axis(i: number, dims = TOPICS.length): Float32Array {
  const v = new Float32Array(dims);
  v[i] = 1;
  return v;
}

export function unit(values: number[]): Float32Array {
  const norm = Math.hypot(...values) || 1;
  return Float32Array.from(values, (x) => x / norm);
}

export interface DocSpec {
  id: string;
  texts: string[];
  vectors?: number[][];
  model?: string;
  metadata?: Metadata;
  chunkMetadata?: Metadata[];
  contentHash?: string;
  title?: string;
  source?: string;
  format?: string;
}

export const MODEL = 'test:axes-6d';

/** A DocumentEntry with one chunk per text; chunk ids are `<doc id>#<index>`; vectors default to the diagonal. */
export function makeEntry(projectId: string, origin: string, spec: DocSpec): DocumentEntry {
  let offset = 0;
  const text = spec.texts.join('\n\n');
  const metadata = spec.metadata ?? {};
  return {
    document: {
      id: spec.id,
      projectId,
      origin,
      source: spec.source ?? origin,
      format: spec.format ?? 'text',
      text,
      metadata,
      contentHash: spec.contentHash ?? `hash-of-${origin}`,
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
      ...(spec.title === undefined ? {} : { title: spec.title }),
    },
    chunks: spec.texts.map((t, i) => {
      const start = offset;
      offset += t.length + 2;
      return {
        id: `${spec.id}#${i}`,
        documentId: spec.id,
        projectId,
        index: i,
        text: t,
        tokenCount: t.split(/\s+/).length,
        start,
        end: start + t.length,
        metadata: { ...metadata, ...(spec.chunkMetadata?.[i] ?? {}) },
      };
    }),
    // Tests that do not care about vectors still give one per chunk: the contract demands it.
    vectors: (spec.vectors ?? spec.texts.map(() => [1, 1, 1, 1, 1, 1])).map(unit),
    model: spec.model ?? MODEL,
  };
}

/** One document per topic, each its own origin `<topic>.md`, vectors under MODEL. */
export function topicEntries(projectId: string): Array<{ origin: string; entry: DocumentEntry }> {
  return TOPICS.map((topic, i) => ({
    origin: `${topic}.md`,
    entry: makeEntry(projectId, `${topic}.md`, {
      id: `doc-${topic}`,
      texts: [PASSAGES[topic]],
      vectors: [topicVector(topic)],
      title: topic[0]!.toUpperCase() + topic.slice(1),
      metadata: { topic, order: i, published: `2025-0${i + 1}-15`, draft: i % 2 === 0, tags: i < 3 ? ['science', topic] : [topic] },
    }),
  }));
}

export { prng } from '../core/index.js';
