/**
 * Which partition an entity belongs to: FNV-1a over `<kind>:<id>`, modulo the cluster's
 * partition count (fixed for the cluster's lifetime; stored in `cluster_settings`).
 */
export function partitionOf(kind: string, id: string, partitionCount: number): number {
  return fnv1a(`${kind}:${id}`) % partitionCount;
}

/**
 * Rendezvous (highest random weight) hashing: the member with the highest score for a
 * partition is its desired owner. When a member joins or leaves, only the partitions it wins or
 * held move — nothing else is reshuffled.
 */
export function desiredOwner(partition: number, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const member of members) {
    const score = fnv1a(`${member}#${partition}`);
    if (score > bestScore || (score === bestScore && member < best!)) {
      best = member;
      bestScore = score;
    }
  }
  return best;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  // Final avalanche so similar keys spread over partitions.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}
